/** One dependency that /readyz checks. */
export interface HealthCheck {
  name: string;
  /** Resolves when the dependency answers; rejects with the reason otherwise. */
  check(): Promise<void>;
}

/** Result of {@link runHealthChecks}. */
export interface Readiness {
  ready: boolean;
  checks: Record<string, { status: 'up' | 'down'; error?: string }>;
  down: string[];
}

/** Runs every check concurrently, each bounded by `timeoutMs`. */
export async function runHealthChecks(
  checks: HealthCheck[],
  timeoutMs = 2_000,
): Promise<Readiness> {
  const results = await Promise.all(
    checks.map(async ({ name, check }) => {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          check(),
          new Promise((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`no answer within ${timeoutMs} ms`)),
              timeoutMs,
            );
          }),
        ]);
        return [name, { status: 'up' as const }] as const;
      } catch (error) {
        return [name, { status: 'down' as const, error: (error as Error).message }] as const;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  const down = results.filter(([, r]) => r.status === 'down').map(([name]) => name);
  return { ready: down.length === 0, checks: Object.fromEntries(results), down };
}
