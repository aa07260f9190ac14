import { existsSync } from 'node:fs';
import path from 'node:path';

function findProjectRoot(start: string): string {
  let dir = start;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${start}`);
    dir = parent;
  }
  return dir;
}

/**
 * The repository root. Found by walking up, because the same code runs from src/
 * (ts-jest) and from dist/src/ (tsc output).
 */
export const PROJECT_ROOT = findProjectRoot(__dirname);

/** prisma/: schema.prisma and migrations/. */
export const PRISMA_DIR = path.join(PROJECT_ROOT, 'prisma');
