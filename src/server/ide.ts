import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { PROJECT_ROOT } from '../config/paths';
import { isLoopback } from '../domain/client-address';
import { headerValue } from './http-util';

/** Where the IDE's assets are served. */
export const IDE_ASSET_PATH = '/ide/assets/';

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

// A file of an installed package (React's package exports hide its browser builds).
const packageFile = (pkg: string, file: string) =>
  path.join(path.dirname(require.resolve(pkg)), file);

// Everything the page loads, from this installation: GraphiQL's browser build, React's,
// and the page script. Nothing comes from a CDN.
const ASSET_FILES: Record<string, { file: string; type: string }> = {
  'graphiql.min.js': { file: require.resolve('graphiql/graphiql.min.js'), type: 'text/javascript' },
  'graphiql.min.css': { file: require.resolve('graphiql/graphiql.min.css'), type: 'text/css' },
  'react.production.min.js': {
    file: packageFile('react', 'umd/react.production.min.js'),
    type: 'text/javascript',
  },
  'react-dom.production.min.js': {
    file: packageFile('react-dom', 'umd/react-dom.production.min.js'),
    type: 'text/javascript',
  },
  'ide.js': { file: path.join(PROJECT_ROOT, 'public', 'ide.js'), type: 'text/javascript' },
};

/** One example tab: an examples/*.graphql file with variables for its operations. */
export interface IdeTab {
  query: string;
  variables?: string;
}

/** The examples as tabs, `quote.graphql` first. */
export function exampleTabs(dir = path.join(PROJECT_ROOT, 'examples')): IdeTab[] {
  const variables = JSON.parse(readFileSync(path.join(dir, 'variables.json'), 'utf8')) as Record<
    string,
    Record<string, unknown>
  >;
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .sort((a, b) => (a === 'quote.graphql' ? -1 : b === 'quote.graphql' ? 1 : a.localeCompare(b)));
  return files.map((file) => {
    const query = readFileSync(path.join(dir, file), 'utf8');
    const names = [...query.matchAll(/^(?:query|mutation|subscription)\s+(\w+)/gm)].map(
      (m) => m[1],
    );
    const merged = Object.assign({}, ...names.map((name) => variables[name] ?? {})) as object;
    return Object.keys(merged).length > 0
      ? { query, variables: JSON.stringify(merged, null, 2) }
      : { query };
  });
}

/** What the IDE page is built from. */
export interface IdeOptions {
  /**
   * The demo key, pre-filled as the `x-api-key` header (development only), and only
   * for a client on this machine: anyone who can open the page could read it.
   */
  demoKey: () => string | undefined;
}

/**
 * The in-browser GraphQL IDE (GraphiQL): a browser's GET /graphql (it accepts HTML)
 * gets the page; its assets come from /ide/assets/. The page has a docs explorer (from
 * introspection), one tab per example of examples/, and in development the demo key
 * as a header for loopback clients. Served with a Content-Security-Policy allowing this origin only.
 */
export class Ide {
  private readonly assets = new Map<string, Asset>();
  private readonly tabs: IdeTab[];

  constructor(private readonly options: IdeOptions) {
    for (const [name, { file, type }] of Object.entries(ASSET_FILES)) {
      const body = readFileSync(file);
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"`;
      this.assets.set(name, { body, type, etag });
    }
    this.tabs = exampleTabs();
  }

  /** True for a browser navigating to /graphql (GET, HTML accepted, no query string). */
  static wants(req: IncomingMessage): boolean {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    if ((req.url ?? '').includes('?')) return false;
    return (headerValue(req, 'accept') ?? '').includes('text/html');
  }

  /** Serves the page; `clientAddress` is the client by the TRUSTED_PROXIES rule. */
  page(res: ServerResponse, clientAddress: string): void {
    const demoKey = isLoopback(clientAddress) ? this.options.demoKey() : undefined;
    const config = {
      url: '/graphql',
      tabs: this.tabs,
      headers: JSON.stringify(demoKey ? { 'x-api-key': demoKey } : {}, null, 2),
    };
    // JSON inside <script>: no "</script>" can end it early.
    const json = JSON.stringify(config).replace(/</g, '\\u003c');
    const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Yieldflow GraphQL IDE</title>
<link rel="stylesheet" href="${IDE_ASSET_PATH}graphiql.min.css">
<style>html, body, #graphiql { height: 100%; margin: 0; }</style>
</head>
<body>
<div id="graphiql">Loading the IDE…</div>
<script id="ide-config" type="application/json">${json}</script>
<script src="${IDE_ASSET_PATH}react.production.min.js"></script>
<script src="${IDE_ASSET_PATH}react-dom.production.min.js"></script>
<script src="${IDE_ASSET_PATH}graphiql.min.js"></script>
<script src="${IDE_ASSET_PATH}ide.js"></script>
</body>
</html>
`;
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy':
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'",
      'x-content-type-options': 'nosniff',
    });
    res.end(html);
  }

  /** Serves /ide/assets/<name>; 404 for anything else. */
  asset(req: IncomingMessage, res: ServerResponse): void {
    const name = (req.url ?? '').split('?')[0].slice(IDE_ASSET_PATH.length);
    const asset = this.assets.get(name);
    if (!asset) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    if (headerValue(req, 'if-none-match') === asset.etag) {
      res.writeHead(304, { etag: asset.etag });
      res.end();
      return;
    }
    res.writeHead(200, {
      'content-type': `${asset.type}; charset=utf-8`,
      'content-length': asset.body.length,
      'cache-control': 'public, max-age=3600',
      etag: asset.etag,
      'x-content-type-options': 'nosniff',
    });
    res.end(req.method === 'HEAD' ? undefined : asset.body);
  }
}
