import type { Database } from '../datasources/database/database';
import { ApiKeyRepository } from '../datasources/database/api-key.repository';
import { UserRepository } from '../datasources/database/user.repository';
import { DEFAULT_PLANS, type PlanLimits, type PlanName } from '../domain/plans';
import type { Logger } from '../observability/logger';
import { AuthService } from '../services/auth.service';

/** The long-lived services and datasources of one server instance. */
export interface Services {
  users: UserRepository;
  apiKeys: ApiKeyRepository;
  auth: AuthService;
  plans: Readonly<Record<PlanName, PlanLimits>>;
}

/** Wires datasources into services. */
export function createServices(deps: { database: Database; logger: Logger }): Services {
  const users = new UserRepository(deps.database.prisma);
  const apiKeys = new ApiKeyRepository(deps.database.prisma);
  return {
    users,
    apiKeys,
    auth: new AuthService(apiKeys, deps.logger.child({ component: 'auth' })),
    plans: DEFAULT_PLANS,
  };
}
