import type { PlanName } from '../domain/plans';
import type { User } from '../generated/prisma/client';

/**
 * The extension point for paid upgrades. `changePlan` calls it when a user asks for a
 * higher plan: answer `applied` once payment is settled (the plan changes at once), or
 * `refused`. Wire a real provider (Stripe, Paddle, …) in src/server/services.ts.
 */
export interface BillingProvider {
  requestUpgrade(user: User, plan: PlanName): Promise<'applied' | 'refused'>;
}

/** The default: no billing is configured, so self-service upgrades are refused. */
export const NO_BILLING: BillingProvider = {
  requestUpgrade: async () => 'refused',
};
