import {
  GraphQLError,
  NoSchemaIntrospectionCustomRule,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';
import type {
  ConnectionRegistry,
  ConnectionSlot,
} from '../../datasources/cache/connection-registry';
import {
  planBucket,
  type RateBucket,
  type RateDecision,
  type RateLimiter,
  type RequestLimits,
} from '../../datasources/cache/rate-limiter';
import { addressGroup } from '../../domain/client-address';
import type { FieldRateLimit, RateLimitedField } from '../../domain/field-rate-limits';
import { DEFAULT_PLANS, type PlanLimits, type PlanName } from '../../domain/plans';
import { accountSubject, type Viewer } from '../../domain/viewer';
import {
  QueryTooComplexError,
  RateLimitedError,
  UnauthenticatedError,
  type YieldflowError,
} from '../../errors/errors';
import type { AuthService, Credentials, SignedRequest } from '../../services/auth.service';
import { causeOf } from '../../services/security/refusal-cause';
import type { SecurityEvents } from '../../services/security/security-events.service';
import type { MeteredRequest, UsageRecorder } from '../../services/usage.service';
import { selectedOperation } from '../analysis/selected-operation';
import { assertArgumentBounds } from '../argument-bounds';
import { assertAffordable, priceFor, type LedgerSizesSource } from '../query-cost';
import { GATEWAY_RULES } from '../validation-rules';
import { fieldBuckets } from './field-limits';

/** What the admission service decides with. */
export interface AdmissionDeps {
  auth: AuthService;
  /** Records refusals as security events; screens blocked addresses and keys. */
  security: SecurityEvents;
  rateLimiter: RateLimiter;
  plans: Readonly<Record<PlanName, PlanLimits>>;
  fieldRateLimits: Readonly<Record<RateLimitedField, FieldRateLimit>>;
  usageRecorder: UsageRecorder;
  ledgerSizes: LedgerSizesSource;
  connections: ConnectionRegistry;
  /** NODE_ENV=production: no introspection, no "did you mean" hints. */
  production: boolean;
}

/** An operation to admit: its document, validated, and who asks from where. */
export interface OperationRequest {
  schema: GraphQLSchema;
  document: DocumentNode;
  operationName: string | null | undefined;
  variables: Record<string, unknown>;
  viewer: Viewer | null;
  ip: string;
  /**
   * Spend the plan's request limits with the operation's own (WebSocket, where each
   * operation is a request); HTTP spent them when the request arrived.
   */
  spendPlan: boolean;
}

/** An admitted operation: its price (metered) and, when it spent limits, the decision. */
export interface AdmittedOperation {
  cost: number;
  decision?: RateDecision;
}

/** A plan's request limits as the rate limiter reads them. */
function requestLimits(plan: PlanLimits): RequestLimits {
  return { perMinute: plan.requestsPerMinute, perDay: plan.requestsPerDay, burst: plan.burst };
}

// Apollo's hideSchemaDetailsFromClientErrors does the same to HTTP's validation errors.
const SUGGESTION = / ?Did you mean(.+?)\?$/;

/**
 * Who may do what, decided once for both transports: credentials to a viewer (API key or
 * access token, the client address by one rule, allow-list, signatures), then the plan,
 * validation, argument bounds, price, request limits (per account, a key's own
 * sub-limits, the fields' declared limits, bursts) and metering. The HTTP route and the
 * graphql-ws connection call it and keep only transport work: reading bodies and
 * frames, statuses and close codes.
 */
export class Admission {
  /** Validation rules for operations run outside Apollo (WebSocket). */
  readonly rules: readonly ValidationRule[];

  constructor(private readonly deps: AdmissionDeps) {
    this.rules = [
      ...specifiedRules,
      ...GATEWAY_RULES,
      ...(deps.production ? [NoSchemaIntrospectionCustomRule] : []),
    ];
  }

  /**
   * The viewer of the credentials; null when none were sent. `fresh` reads a key from
   * the database, not the key cache (re-validating a long-lived socket). Wrong, expired or revoked
   * credentials are UNAUTHENTICATED; a key used from outside its allow-list FORBIDDEN. A
   * blocked address is RATE_LIMITED before anything else, a blocked key FORBIDDEN; each
   * refusal of a key is a security event (not when re-validating: that one is not a use).
   */
  async identify(
    credentials: Credentials,
    options: { fresh?: boolean } = {},
  ): Promise<Viewer | null> {
    if (options.fresh) return this.deps.auth.authenticate(credentials, options);
    const ip = credentials.ip ?? '';
    // The address' block is read while the credentials are checked (one round trip on
    // Redis, not two); a blocked address is refused whatever they were.
    const [blockedAddress, outcome] = await Promise.all([
      this.deps.security.screen(ip),
      this.deps.auth.authenticate(credentials, options).then(
        (viewer) => ({ viewer }),
        (error: unknown) => ({ error }),
      ),
    ]);
    if (blockedAddress) throw blockedAddress;
    if ('error' in outcome) {
      await this.recordRefusal(outcome.error, credentials);
      throw outcome.error;
    }
    const { viewer } = outcome;
    if (viewer?.apiKeyId) {
      // The address was screened above.
      const blockedKey = await this.deps.security.screen(null, viewer.apiKeyId);
      if (blockedKey) throw blockedKey;
    }
    return viewer;
  }

  /**
   * The refusal of a blocked address or key, or null: what {@link identify} checks, for
   * callers that found their viewer in the key cache (HTTP's fast path). In-process blocks
   * answer without a promise.
   */
  screen(
    ip: string,
    viewer: Viewer | null | undefined,
  ): YieldflowError | null | Promise<YieldflowError | null> {
    return this.deps.security.screen(ip, viewer?.apiKeyId);
  }

  /** The viewer of a key in this process' key cache, without waiting (HTTP's fast path). */
  cachedViewer(apiKey: string, ip: string): Viewer | undefined {
    return this.deps.auth.cachedApiKeyViewer(apiKey, ip);
  }

  /**
   * Refuses (UNAUTHENTICATED) an unsigned or badly signed request of a key that signs;
   * each refusal is a BAD_SIGNATURE event of the key.
   */
  async verifySignature(
    viewer: Viewer,
    apiKey: string,
    signed: SignedRequest,
    ip = '',
  ): Promise<void> {
    try {
      await this.deps.auth.checkSignature(viewer, apiKey, signed);
    } catch (error) {
      await this.deps.security.record({
        kind: 'BAD_SIGNATURE',
        ip,
        apiKeyId: viewer.apiKeyId,
        userId: viewer.userId,
        detail: { reason: (error as Error).message },
      });
      throw error;
    }
  }

  /**
   * Records a refused document (too large, too deep, too costly) as a DOCUMENT_REFUSED
   * event; the caller answers the refusal.
   */
  documentRefused(ip: string, viewer: Viewer | null | undefined, reason: string): void {
    void this.deps.security.record({
      kind: 'DOCUMENT_REFUSED',
      ip,
      apiKeyId: viewer?.apiKeyId ?? null,
      userId: viewer?.userId ?? null,
      detail: { reason },
    });
  }

  /** Records the first of a document's validation errors that a gateway limit raised. */
  validated(
    errors: readonly GraphQLError[] | undefined,
    ip: string,
    viewer: Viewer | null | undefined,
  ): void {
    const refused = errors?.find((error) => error.extensions?.code === 'QUERY_TOO_COMPLEX');
    if (refused) this.documentRefused(ip, viewer, refused.message);
  }

  private recordRefusal(error: unknown, credentials: Credentials): Promise<void> {
    const cause = causeOf(error);
    const ip = credentials.ip ?? null;
    const reason = (error as Error).message;
    if (cause) {
      return this.deps.security.record({ ...cause, ip, detail: { reason } });
    }
    if (credentials.apiKey !== undefined && error instanceof UnauthenticatedError) {
      // Malformed: no key to name; its first characters say what was tried.
      const tried = credentials.apiKey.trim().slice(0, 12);
      return this.deps.security.record({ kind: 'KEY_REFUSED', ip, detail: { reason, tried } });
    }
    return Promise.resolve();
  }

  /** The plan of a viewer (FREE for callers without credentials). */
  plan(viewer: Viewer | null | undefined): PlanLimits {
    return this.deps.plans[viewer?.plan ?? 'FREE'] ?? DEFAULT_PLANS.FREE;
  }

  /**
   * The buckets one request of `viewer` spends: its account's plan (all its keys and
   * sessions together) and its key's own sub-limits when set; an address group's FREE
   * plan for callers without credentials.
   */
  requestBuckets(viewer: Viewer | null | undefined, ip: string): RateBucket[] {
    if (!viewer) return [planBucket(`ip:${addressGroup(ip)}`, requestLimits(this.plan(null)))];
    const buckets = [planBucket(accountSubject(viewer), requestLimits(this.plan(viewer)))];
    const own = viewer.keyLimits;
    if (viewer.apiKeyId && own && (own.perMinute !== null || own.perDay !== null)) {
      buckets.push({
        subject: `key:${viewer.apiKeyId}`,
        limit: own.perMinute ?? Number.MAX_SAFE_INTEGER,
        windowMs: 60_000,
        perDay: own.perDay,
        burst: 0,
      });
    }
    return buckets;
  }

  /** Spends one request of the caller's limits; in-process limits decide without a promise. */
  spend(viewer: Viewer | null | undefined, ip: string): RateDecision | Promise<RateDecision> {
    return this.deps.rateLimiter.consumeAll(this.requestBuckets(viewer, ip));
  }

  /** What the caller's limits have left now, spending nothing (`usage.remaining`). */
  remaining(viewer: Viewer, ip: string): Promise<RateDecision> {
    return this.deps.rateLimiter.peek(this.requestBuckets(viewer, ip));
  }

  /**
   * The error for a refused decision, naming what refused (the plan, the key's own
   * limit, a field's limit); a refused request of a viewer is metered RATE_LIMITED, and
   * counted towards a RATE_LIMIT_STORM of what refused it.
   */
  refusal(
    decision: RateDecision,
    viewer: Viewer | null | undefined,
    operationName: string | null | undefined,
    ip = '',
  ): RateLimitedError {
    const subject = decision.refusedBy ?? (viewer ? accountSubject(viewer) : `ip:${ip}`);
    this.deps.security.rateLimited(subject, ip, viewer);
    if (viewer) {
      this.meter(viewer, {
        operationName: operationName ?? undefined,
        cost: 0,
        status: 'RATE_LIMITED',
        durationMs: 0,
        cacheHits: 0,
      });
    }
    const wait = decision.retryAfterSeconds;
    const by = decision.refusedBy ?? '';
    let what = `Rate limit of the ${this.plan(viewer).name} plan reached`;
    if (by.startsWith('key:')) what = "This API key's own rate limit reached";
    if (by.startsWith('field:')) {
      const field = by.slice('field:'.length).split(':')[0];
      what = `${field} allows ${decision.limit} calls per ${decision.refusedWindowSeconds} s`;
    }
    return new RateLimitedError(`${what}; retry after ${wait} s`, wait);
  }

  /**
   * Validates a document outside Apollo with the rules of HTTP: the gateway's limits,
   * and in production no introspection and no hints that reveal the schema. A document
   * past the gateway's limits (depth, selections, aliases) is a DOCUMENT_REFUSED event of
   * `from`.
   */
  validate(
    schema: GraphQLSchema,
    document: DocumentNode,
    from?: { ip: string; viewer: Viewer | null | undefined },
  ): readonly GraphQLError[] {
    const errors = validate(schema, document, this.rules);
    if (from) this.validated(errors, from.ip, from.viewer);
    if (!this.deps.production) return errors;
    return errors.map((error) =>
      SUGGESTION.test(error.message)
        ? new GraphQLError(error.message.replace(SUGGESTION, ''), {
            nodes: error.nodes,
            source: error.source,
            positions: error.positions,
            extensions: error.extensions,
          })
        : error,
    );
  }

  /**
   * Admits a validated operation: argument bounds, price within the plan, then the
   * limits of the fields it selects (with the plan's, when `spendPlan`), all or none.
   * Throws the refusal: BAD_USER_INPUT, QUERY_TOO_COMPLEX or RATE_LIMITED.
   */
  async admitOperation(request: OperationRequest): Promise<AdmittedOperation> {
    const { schema, document, operationName, viewer, ip } = request;
    if (request.spendPlan) {
      // A socket opened before its address or key was blocked.
      const blocked = await this.screen(ip, viewer);
      if (blocked) throw blocked;
    }
    const variables = assertArgumentBounds(schema, document, operationName, request.variables);
    let cost: number;
    try {
      cost = await priceFor(
        schema,
        document,
        operationName,
        variables,
        viewer,
        this.deps.ledgerSizes,
      );
      assertAffordable(cost, this.plan(viewer));
    } catch (error) {
      if (error instanceof QueryTooComplexError) this.documentRefused(ip, viewer, error.message);
      throw error;
    }
    const operation = selectedOperation(document, operationName);
    if (!operation) throw new QueryTooComplexError('No operation to run');
    const address = `ip:${addressGroup(ip)}`;
    const buckets = [
      ...(request.spendPlan ? this.requestBuckets(viewer, ip) : []),
      ...fieldBuckets(schema, document, operation, this.deps.fieldRateLimits, {
        account: viewer ? accountSubject(viewer) : address,
        address,
      }),
    ];
    if (buckets.length === 0) return { cost };
    const decision = await this.deps.rateLimiter.consumeAll(buckets);
    if (!decision.allowed) throw this.refusal(decision, viewer, operationName, ip);
    return { cost, decision };
  }

  /** Meters a request of a viewer (pushed onto the usage buffer; written off the path). */
  meter(viewer: Viewer, request: MeteredRequest): void {
    this.deps.usageRecorder.recordRequest(viewer, request);
  }

  /** A WebSocket connection slot of the viewer's account, or null past its plan's number. */
  openSocket(viewer: Viewer): Promise<ConnectionSlot | null> {
    return this.deps.connections.acquire(
      accountSubject(viewer),
      this.plan(viewer).websocketConnections,
    );
  }
}
