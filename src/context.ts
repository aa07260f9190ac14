import type { Viewer } from './domain/viewer';
import type { Logger } from './observability/logger';
import type { Services } from './server/services';

/** What every resolver receives: who is calling, a request-scoped logger and the services. */
export interface Context {
  requestId: string;
  logger: Logger;
  viewer: Viewer | null;
  services: Services;
}
