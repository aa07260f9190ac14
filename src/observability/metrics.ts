import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The Prometheus registry of one server instance, with the metrics the gateway records.
 * One registry per instance (not prom-client's global one) so that two servers in one
 * process, as in tests, keep separate counts.
 */
export class Metrics {
  readonly registry = new Registry();

  /** GraphQL request duration by operation name and outcome (`success` or an error code). */
  readonly graphqlDuration = new Histogram({
    name: 'yieldflow_graphql_request_duration_seconds',
    help: 'GraphQL request duration in seconds, by operation name and outcome',
    labelNames: ['operation', 'outcome'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  /**
   * GraphQL operations by the caller's plan (`anonymous` without credentials) and outcome,
   * as the duration histogram's; no operation label, so a plan costs a few series only.
   */
  readonly graphqlRequests = new Counter({
    name: 'yieldflow_graphql_requests_total',
    help: "GraphQL operations by the caller's plan (anonymous without credentials) and outcome (success or an error code)",
    labelNames: ['plan', 'outcome'] as const,
    registers: [this.registry],
  });

  /** GraphQL documents parsed (and validated): once per distinct document, then cached. */
  readonly documentsParsed = new Counter({
    name: 'yieldflow_graphql_documents_parsed_total',
    help: 'GraphQL documents parsed and validated (a document seen before is served from the document cache)',
    registers: [this.registry],
  });

  /** HTTP requests by route and status class, including the non-GraphQL routes. */
  readonly httpRequests = new Counter({
    name: 'yieldflow_http_requests_total',
    help: 'HTTP requests by route and status code',
    labelNames: ['route', 'status'] as const,
    registers: [this.registry],
  });

  /**
   * Market-data cache lookups by kind (quote, history, …) and result: `hit` (fresh
   * entry), `coalesced` (joined a load in flight here or on another replica) or `miss`
   * (loaded upstream).
   */
  readonly cacheLookups = new Counter({
    name: 'yieldflow_cache_lookups_total',
    help: 'Market-data cache lookups by kind and result (hit, coalesced, miss)',
    labelNames: ['kind', 'result'] as const,
    registers: [this.registry],
  });

  /** Upstream HTTP attempts that reached a provider, by outcome (`ok` or the failure). */
  readonly upstreamRequests = new Counter({
    name: 'yieldflow_upstream_requests_total',
    help: 'Upstream provider HTTP attempts by provider and outcome',
    labelNames: ['provider', 'outcome'] as const,
    registers: [this.registry],
  });

  /** Calls not made: the provider's budget was spent or its circuit was open. */
  readonly upstreamRefused = new Counter({
    name: 'yieldflow_upstream_refused_total',
    help: 'Upstream calls not made, by provider and reason (budget, circuit-open)',
    labelNames: ['provider', 'reason'] as const,
    registers: [this.registry],
  });

  /** Values dropped by the data-quality gate, by provider, kind and reason. */
  readonly dataRejected = new Counter({
    name: 'yieldflow_provider_data_rejected_total',
    help: 'Provider values dropped by data-quality checks, by provider, kind and reason',
    labelNames: ['provider', 'kind', 'reason'] as const,
    registers: [this.registry],
  });

  /** Security events recorded by this instance, by kind (docs/security.md). */
  readonly securityEvents = new Counter({
    name: 'yieldflow_security_events_total',
    help: 'Security events recorded, by kind (docs/security.md)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  /**
   * Rows the retention job deleted (`pruned`) or merged into hourly and daily rows
   * (`rolled_up`: the rows merged away, before their sums were written), by table.
   */
  readonly retentionRows = new Counter({
    name: 'yieldflow_retention_rows_total',
    help: 'Rows the retention job pruned or merged into hourly and daily rows (rolled_up), by table and action',
    labelNames: ['table', 'action'] as const,
    registers: [this.registry],
  });

  /** Retention runs by outcome: `ok`, or `failed` when a step failed (logged). */
  readonly retentionRuns = new Counter({
    name: 'yieldflow_retention_runs_total',
    help: 'Retention job runs by outcome (ok, failed)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  /**
   * Live data: open WebSocket connections, messages written, live events replaced
   * before a slow consumer took them, sockets closed as slow consumers, and symbols
   * watched here / produced here (holding the cluster's one upstream stream).
   */
  observeLive(
    read: () => {
      connections: number;
      sent: number;
      dropped: number;
      slowClosed: number;
      watched: number;
      produced: number;
    },
  ): void {
    const gauge = (name: string, help: string, pick: (v: ReturnType<typeof read>) => number) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.set(pick(read()));
        },
      });
    gauge('yieldflow_ws_connections', 'Open WebSocket connections', (v) => v.connections);
    gauge('yieldflow_ws_messages_sent', 'WebSocket messages written since start', (v) => v.sent);
    gauge(
      'yieldflow_ws_events_dropped',
      'Live events replaced by a newer one before a slow consumer took them, since start',
      (v) => v.dropped,
    );
    gauge(
      'yieldflow_ws_slow_consumers_closed',
      'Sockets closed as slow consumers (4008) since start',
      (v) => v.slowClosed,
    );
    gauge(
      'yieldflow_stream_symbols_watched',
      'Symbols with subscribers on this replica',
      (v) => v.watched,
    );
    gauge(
      'yieldflow_stream_symbols_produced',
      'Symbols whose upstream stream this replica holds',
      (v) => v.produced,
    );
  }

  /**
   * The checks of /readyz as gauges, run at each scrape: 1 when the dependency answers
   * (`database`, `cache` for Redis, `providers`: some market-data provider's circuit is
   * closed), else 0. An alert then names what is down without probing /readyz itself.
   */
  observeReadiness(read: () => Promise<Record<string, boolean>>): void {
    new Gauge({
      name: 'yieldflow_dependency_up',
      help: 'Whether a dependency of /readyz answers (1) or not (0): database, cache (Redis), providers',
      labelNames: ['dependency'] as const,
      registers: [this.registry],
      async collect() {
        for (const [dependency, up] of Object.entries(await read())) {
          this.set({ dependency }, up ? 1 : 0);
        }
      },
    });
  }

  /**
   * Each HTTP provider's circuit: 1 while it is open (repeated failures; calls are refused
   * until a probe succeeds), else 0.
   */
  observeCircuits(read: () => ReadonlyArray<{ provider: string; open: boolean }>): void {
    new Gauge({
      name: 'yieldflow_upstream_circuit_open',
      help: "Whether a provider's circuit breaker is open (1) or closed (0)",
      labelNames: ['provider'] as const,
      registers: [this.registry],
      collect() {
        for (const { provider, open } of read()) this.set({ provider }, open ? 1 : 0);
      },
    });
  }

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'yieldflow_' });
  }

  /** The Prometheus text exposition. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
