import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Kind, parse, print, type OperationDefinitionNode } from 'graphql';

/** One operation of examples/, with its example variables. */
export interface ApiExample {
  name: string;
  kind: 'query' | 'mutation' | 'subscription';
  /** The root field it calls. */
  field: string;
  document: string;
  variables: Record<string, unknown>;
  file: string;
}

/** Every operation of examples/*.graphql, in file order. */
export function apiExamples(dir: string): ApiExample[] {
  const variables = JSON.parse(readFileSync(path.join(dir, 'variables.json'), 'utf8')) as Record<
    string,
    Record<string, unknown>
  >;
  return readdirSync(dir)
    .filter((file) => file.endsWith('.graphql'))
    .sort()
    .flatMap((file) =>
      parse(readFileSync(path.join(dir, file), 'utf8'))
        .definitions.filter(
          (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
        )
        .map((operation) => {
          const name = operation.name!.value;
          const root = operation.selectionSet.selections[0];
          return {
            name,
            kind: operation.operation,
            field: root.kind === Kind.FIELD ? root.name.value : name,
            document: print(operation),
            variables: variables[name] ?? {},
            file,
          };
        }),
    );
}

const indent = (text: string, by: string) =>
  text
    .split('\n')
    .map((line) => (line ? by + line : line))
    .join('\n');

function curl(example: ApiExample): string {
  const body = JSON.stringify({ query: example.document, variables: example.variables }, null, 2);
  return [
    '```sh',
    `curl -s "$YF_URL" -H 'content-type: application/json' -H "x-api-key: $YF_API_KEY" --data-binary @- <<'JSON'`,
    body,
    'JSON',
    '```',
  ].join('\n');
}

function fetchJs(example: ApiExample): string {
  return [
    '```js',
    `const query = \`\n${example.document}\`;`,
    `const variables = ${JSON.stringify(example.variables, null, 2)};`,
    '',
    'const response = await fetch(process.env.YF_URL, {',
    "  method: 'POST',",
    "  headers: { 'content-type': 'application/json', 'x-api-key': process.env.YF_API_KEY },",
    '  body: JSON.stringify({ query, variables }),',
    '});',
    'console.log(JSON.stringify(await response.json(), null, 2));',
    '```',
  ].join('\n');
}

function python(example: ApiExample): string {
  return [
    '```python',
    'import json, os, urllib.request',
    '',
    `query = """\n${example.document}\n"""`,
    `variables = json.loads(${JSON.stringify(JSON.stringify(example.variables))})`,
    '',
    'request = urllib.request.Request(',
    '    os.environ["YF_URL"],',
    '    data=json.dumps({"query": query, "variables": variables}).encode(),',
    '    headers={"content-type": "application/json", "x-api-key": os.environ["YF_API_KEY"]},',
    ')',
    'with urllib.request.urlopen(request) as response:',
    '    print(json.dumps(json.load(response), indent=2))',
    '```',
  ].join('\n');
}

function graphqlWs(example: ApiExample): string {
  return [
    '```js',
    "import { createClient } from 'graphql-ws';",
    "import WebSocket from 'ws'; // in a browser, leave webSocketImpl out",
    '',
    `const query = \`\n${example.document}\`;`,
    `const variables = ${JSON.stringify(example.variables, null, 2)};`,
    '',
    'const client = createClient({',
    "  url: process.env.YF_URL.replace(/^http/, 'ws'),",
    '  webSocketImpl: WebSocket,',
    '  connectionParams: { apiKey: process.env.YF_API_KEY },',
    '});',
    '// The first event, then unsubscribe (a dashboard would keep listening).',
    'for await (const event of client.iterate({ query, variables })) {',
    '  console.log(JSON.stringify(event, null, 2));',
    '  break;',
    '}',
    'await client.dispose();',
    '```',
  ].join('\n');
}

function pythonWs(example: ApiExample): string {
  return [
    '```python',
    '# pip install websockets (Debian: apt-get install python3-websockets)',
    'import asyncio, json, os',
    'import websockets',
    '',
    `query = """\n${example.document}\n"""`,
    `variables = json.loads(${JSON.stringify(JSON.stringify(example.variables))})`,
    '',
    'async def main():',
    '    url = os.environ["YF_URL"].replace("http", "ws", 1)',
    '    async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as socket:',
    '        await socket.send(json.dumps({"type": "connection_init", "payload": {"apiKey": os.environ["YF_API_KEY"]}}))',
    '        assert json.loads(await socket.recv())["type"] == "connection_ack"',
    '        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query, "variables": variables}}))',
    '        while True:',
    '            message = json.loads(await socket.recv())',
    '            if message["type"] == "ping":',
    '                await socket.send(json.dumps({"type": "pong"}))',
    '            elif message["type"] in ("next", "error"):',
    '                print(json.dumps(message["payload"], indent=2))  # the first event',
    '                await socket.send(json.dumps({"id": "1", "type": "complete"}))',
    '                return',
    '',
    'asyncio.run(main())',
    '```',
  ].join('\n');
}

/** docs/api.md: every root field with its example in curl, JavaScript and Python. */
export function renderApiDocs(dir: string): string {
  const examples = apiExamples(dir);
  const sections = examples.map((example) => {
    const http = example.kind !== 'subscription';
    return [
      `### \`${example.kind} ${example.field}\` — ${example.name}`,
      '',
      `From \`examples/${example.file}\`.${
        JSON.stringify(example.variables).match(/[A-Z_]{2,}_(ID|TOKEN)/)
          ? ' Replace the upper-case placeholders (ids, tokens) with yours.'
          : ''
      }`,
      '',
      ...(http
        ? [
            'curl:',
            '',
            curl(example),
            '',
            'JavaScript (fetch, Node 20 or a browser):',
            '',
            fetchJs(example),
            '',
            'Python (standard library):',
            '',
            python(example),
          ]
        : [
            'JavaScript (graphql-ws):',
            '',
            graphqlWs(example),
            '',
            'Python (websockets):',
            '',
            pythonWs(example),
          ]),
      '',
    ].join('\n');
  });
  const byKind = (kind: ApiExample['kind']) =>
    examples
      .filter((e) => e.kind === kind)
      .map((e) => `\`${e.field}\``)
      .join(', ');
  return [
    '<!-- Generated from examples/ by `npm run docs:api`; edit the examples, not this file. -->',
    '# API reference by example',
    '',
    'Every root field, with a runnable example in curl, JavaScript and Python (subscriptions:',
    'JavaScript with graphql-ws and Python with websockets). Set `YF_URL` (for example',
    '`http://localhost:4000/graphql`) and `YF_API_KEY` (the demo key `npm start` prints, or',
    'one from `createApiKey`). `register`, `login`, `refreshToken`, `plans` and',
    'introspection also work without a key. The full schema, with a description on every',
    'field, is in `schema.graphql` and in the IDE at `GET /graphql`.',
    '',
    `- Queries: ${byKind('query')}`,
    `- Mutations: ${byKind('mutation')}`,
    `- Subscriptions: ${byKind('subscription')}`,
    '',
    'A test (`test/docs/docs.test.ts`) runs every example here against a live gateway.',
    '',
    indent('', ''),
    ...sections,
  ].join('\n');
}
