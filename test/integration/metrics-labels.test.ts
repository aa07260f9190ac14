import { MAX_OPERATION_LABELS } from '../../src/server/plugins/metrics.plugin';
import { gql } from '../helpers/graphql';
import { startTestServer, type TestServer } from '../helpers/server';

/** The `operation` label values of the GraphQL duration histogram, with their counts. */
async function operationLabels(server: TestServer): Promise<Map<string, number>> {
  const text = await (await fetch(`${server.baseUrl}/metrics`)).text();
  const counts = new Map<string, number>();
  const line = /^yieldflow_graphql_request_duration_seconds_count\{([^}]*)\} (\d+)$/gm;
  for (const [, labels, count] of text.matchAll(line)) {
    const operation = /operation="([^"]*)"/.exec(labels)![1];
    counts.set(operation, (counts.get(operation) ?? 0) + Number(count));
  }
  return counts;
}

describe('metrics labels', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('keeps operation names from callers to a bounded set of labels', async () => {
    const apiKey = server.app.demo!.apiKey;
    const names = MAX_OPERATION_LABELS + 40;
    for (let start = 0; start < names; start += 20) {
      await Promise.all(
        Array.from({ length: Math.min(20, names - start) }, (_, i) =>
          gql(server.url, `query Caller${start + i} { plans { name } }`, { apiKey }),
        ),
      );
    }
    const labels = await operationLabels(server);
    const callers = [...labels.keys()].filter((name) => name.startsWith('Caller'));
    expect(callers.length).toBeLessThanOrEqual(MAX_OPERATION_LABELS);
    expect(labels.size).toBeLessThanOrEqual(MAX_OPERATION_LABELS + 2); // + other, anonymous
    const total = [...labels.entries()]
      .filter(([name]) => name.startsWith('Caller') || name === 'other')
      .reduce((sum, [, count]) => sum + count, 0);
    expect(total).toBe(names); // every request counted, the late names as `other`
    expect(labels.get('other')).toBeGreaterThanOrEqual(names - MAX_OPERATION_LABELS);
  });
});
