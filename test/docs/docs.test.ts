import { accountKey } from '../fixtures/account-key';
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../../src/config/paths';
import { apiExamples, renderApiDocs } from '../../scripts/docs/render-api';
import { startFakeKite } from '../fixtures/brokers/fake-kite';
import { gql } from '../helpers/graphql';
import { startTestServer, type TestServer } from '../helpers/server';

const run = promisify(execFile);
/** Debian's python3 (python3-websockets installed by .ci/run), or DOCS_PYTHON. */
const PYTHON = process.env.DOCS_PYTHON ?? '/usr/bin/python3';
const RUN_DIR = path.join(PROJECT_ROOT, '.docs-run');

interface Snippet {
  language: 'sh' | 'js' | 'python';
  code: string;
}

/** The code blocks of each `### … — Name` section of docs/api.md, by operation name. */
function snippetsByOperation(markdown: string): Map<string, Snippet[]> {
  const sections = new Map<string, Snippet[]>();
  for (const section of markdown.split(/^### /m).slice(1)) {
    const name = /— (\w+)/.exec(section.split('\n')[0])![1];
    const blocks = [...section.matchAll(/^```(sh|js|python)\n([\s\S]*?)^```$/gm)].map((m) => ({
      language: m[1] as Snippet['language'],
      code: m[2],
    }));
    sections.set(name, blocks);
  }
  return sections;
}

describe('docs/', () => {
  let server: TestServer;
  let demoKey: string;
  let kite: Awaited<ReturnType<typeof startFakeKite>>;
  let runs = 0;

  beforeAll(async () => {
    // Examples sign up an account each, all from one address: room for them all. The
    // broker examples sign in to a local Kite that follows its documented API.
    kite = await startFakeKite('docskitekey', 'docs-kite-secret');
    server = await startTestServer({
      FIELD_RATE_LIMITS: JSON.stringify({ register: { max: 1_000 } }),
      KITE_API_KEY: 'docskitekey',
      KITE_API_SECRET: 'docs-kite-secret',
      KITE_BASE_URL: kite.url,
      BROKER_TOKEN_KEY: Buffer.alloc(32, 1).toString('base64'),
    });
    demoKey = server.app.demo!.apiKey;
    await mkdir(RUN_DIR, { recursive: true });
  });
  afterAll(async () => {
    await server.close();
    await kite.close();
    await rm(RUN_DIR, { recursive: true, force: true });
  });

  const call = async <T>(query: string, variables: Record<string, unknown>, apiKey = demoKey) => {
    const response = await gql<T>(server.url, query, { apiKey, variables });
    if (response.body.errors) throw new Error(JSON.stringify(response.body.errors));
    return response.body.data!;
  };
  const unique = () => `docs.${Date.now()}.${(runs += 1)}@example.com`;
  const password = 'correct horse battery staple';
  const newUser = async () => {
    const email = unique();
    const { register } = await call<{ register: { accessToken: string; refreshToken: string } }>(
      'mutation($e: String!, $p: String!) { register(email: $e, password: $p) { accessToken refreshToken } }',
      { e: email, p: password },
    );
    return { email, ...register };
  };
  const newPortfolio = async () => {
    const { createPortfolio } = await call<{ createPortfolio: { id: string } }>(
      'mutation { createPortfolio(name: "Docs", baseCurrency: "USD") { id } }',
      {},
    );
    const { addTransaction } = await call<{ addTransaction: { id: string } }>(
      `mutation($id: ID!) { addTransaction(portfolioId: $id, input: { type: BUY, date: "2026-02-02", symbol: "KO", quantity: "10", price: "60" }) { id } }`,
      { id: createPortfolio.id },
    );
    return { portfolioId: createPortfolio.id, transactionId: addTransaction.id };
  };

  // A started Kite sign-in: the state of its login URL and a request token for it.
  const brokerSignIn = async () => {
    const { portfolioId } = await newPortfolio();
    const { connectBroker } = await call<{ connectBroker: { loginUrl: string } }>(
      'mutation($p: ID!) { connectBroker(broker: KITE, portfolioId: $p) { loginUrl } }',
      { p: portfolioId },
    );
    const params = new URL(connectBroker.loginUrl).searchParams.get('redirect_params') ?? '';
    return {
      BROKER_STATE: new URLSearchParams(params).get('state')!,
      REQUEST_TOKEN: kite.issueRequestToken(),
    };
  };

  // What each example needs before it can run: fresh ids and tokens for its placeholders,
  // and the key it runs with.
  async function prepare(
    name: string,
  ): Promise<{ replace: Record<string, string>; apiKey: string }> {
    switch (name) {
      case 'Register':
        return { replace: { 'you@example.com': unique() }, apiKey: demoKey };
      case 'Login':
        return { replace: { 'you@example.com': (await newUser()).email }, apiKey: demoKey };
      case 'RefreshToken':
      case 'Logout':
        return { replace: { REFRESH_TOKEN: (await newUser()).refreshToken }, apiKey: demoKey };
      case 'ChangePlan':
      case 'ChangePassword': {
        // A FREE account moves to FREE: its own move, and never up. Both need a key that
        // manages the account, of an account with a password.
        const user = await newUser();
        const response = await gql<{ createApiKey: { secret: string } }>(
          server.url,
          'mutation { createApiKey(name: "docs", scopes: ["manage:account"]) { secret } }',
          { headers: { authorization: `Bearer ${user.accessToken}` } },
        );
        return { replace: {}, apiKey: response.body.data!.createApiKey.secret };
      }
      case 'SecurityEvents':
      case 'Unblock': {
        // An administrator's key (promoted before the key is made: keys carry the role).
        const admin = await newUser();
        const { id } = await server.app.database.prisma.user.findUniqueOrThrow({
          where: { email: admin.email },
        });
        await server.app.database.prisma.user.update({ where: { id }, data: { role: 'ADMIN' } });
        const response = await gql<{ createApiKey: { secret: string } }>(
          server.url,
          'mutation { createApiKey(name: "docs", scopes: ["read:market", "manage:account"]) { secret } }',
          { headers: { authorization: `Bearer ${admin.accessToken}` } },
        );
        return { replace: {}, apiKey: response.body.data!.createApiKey.secret };
      }
      case 'ApiKeys':
      case 'CreateApiKey':
        return { replace: {}, apiKey: await accountKey(server) };
      case 'RevokeApiKey':
      case 'RotateApiKey': {
        const manager = await accountKey(server);
        const { createApiKey } = await call<{ createApiKey: { apiKey: { id: string } } }>(
          'mutation { createApiKey(name: "docs") { apiKey { id } } }',
          {},
          manager,
        );
        return { replace: { API_KEY_ID: createApiKey.apiKey.id }, apiKey: manager };
      }
      case 'CompleteBrokerConnection':
        return { replace: await brokerSignIn(), apiKey: demoKey };
      case 'SyncBroker':
      case 'DisconnectBroker': {
        const { BROKER_STATE, REQUEST_TOKEN } = await brokerSignIn();
        const { completeBrokerConnection } = await call<{
          completeBrokerConnection: { id: string };
        }>(
          'mutation($s: String!, $t: String!) { completeBrokerConnection(broker: KITE, state: $s, requestToken: $t) { id } }',
          { s: BROKER_STATE, t: REQUEST_TOKEN },
        );
        return { replace: { BROKER_CONNECTION_ID: completeBrokerConnection.id }, apiKey: demoKey };
      }
      default: {
        const { portfolioId, transactionId } = await newPortfolio();
        return {
          replace: { PORTFOLIO_ID: portfolioId, TRANSACTION_ID: transactionId },
          apiKey: demoKey,
        };
      }
    }
  }

  async function execute(snippet: Snippet, apiKey: string, label: string): Promise<unknown> {
    const env = { ...process.env, YF_URL: server.url, YF_API_KEY: apiKey };
    const options = { env, cwd: PROJECT_ROOT, timeout: 30_000 };
    let stdout: string;
    if (snippet.language === 'sh') {
      ({ stdout } = await run('bash', ['-c', snippet.code], options));
    } else if (snippet.language === 'js') {
      // In the project, so that graphql-ws and ws resolve from its node_modules.
      const file = path.join(RUN_DIR, `${label}.mjs`);
      await writeFile(file, snippet.code);
      ({ stdout } = await run(process.execPath, [file], options));
    } else {
      ({ stdout } = await run(PYTHON, ['-c', snippet.code], options));
    }
    return JSON.parse(stdout);
  }

  it('has an API reference generated from examples/ (npm run docs:api)', async () => {
    const committed = await readFile(path.join(PROJECT_ROOT, 'docs', 'api.md'), 'utf8');
    expect(committed).toBe(renderApiDocs(path.join(PROJECT_ROOT, 'examples')));
  });

  it('covers every root field of the schema', async () => {
    const schema = await readFile(path.join(PROJECT_ROOT, 'schema.graphql'), 'utf8');
    const fields = (type: string) =>
      [
        ...new RegExp(`^type ${type} \\{([\\s\\S]*?)^\\}`, 'm')
          .exec(schema)![1]
          .matchAll(/^ {2}(\w+)[(:]/gm),
      ].map((m) => m[1]);
    const covered = new Set(
      apiExamples(path.join(PROJECT_ROOT, 'examples')).map((e) => `${e.kind}:${e.field}`),
    );
    for (const [type, kind] of [
      ['Query', 'query'],
      ['Mutation', 'mutation'],
      ['Subscription', 'subscription'],
    ]) {
      for (const field of fields(type)) expect(covered).toContain(`${kind}:${field}`);
    }
  });

  const markdown = renderApiDocs(path.join(PROJECT_ROOT, 'examples'));
  const sections = [...snippetsByOperation(markdown)];
  it.each(sections)(
    'runs every example of %s',
    async (name, snippets) => {
      expect(snippets.length).toBeGreaterThanOrEqual(2);
      for (const [i, snippet] of snippets.entries()) {
        const { replace, apiKey } = await prepare(name);
        let code = snippet.code;
        for (const [placeholder, value] of Object.entries(replace))
          code = code.split(placeholder).join(value);
        const answer = (await execute({ ...snippet, code }, apiKey, `${name}-${i}`)) as {
          data?: Record<string, unknown> | null;
          errors?: unknown[];
        };
        expect({ name, language: snippet.language, errors: answer.errors }).toEqual({
          name,
          language: snippet.language,
          errors: undefined,
        });
        expect(answer.data).toEqual(expect.any(Object));
      }
    },
    60_000,
  );
});
