/**
 * Writes docs/api.md from examples/*.graphql and examples/variables.json:
 *   npm run docs:api
 * test/docs/docs.test.ts fails when the committed file differs from what this writes.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../src/config/paths';
import { renderApiDocs } from './docs/render-api';

const target = path.join(PROJECT_ROOT, 'docs', 'api.md');
writeFileSync(target, renderApiDocs(path.join(PROJECT_ROOT, 'examples')));
console.log(`wrote ${path.relative(PROJECT_ROOT, target)}`);
