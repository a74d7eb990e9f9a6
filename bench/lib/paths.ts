import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'riptrunk') return dir;
    if (dirname(dir) === dir) throw new Error('bench: cannot find the riptrunk package root');
  }
}

/** The repository root, whether this runs from bench/ or from dist/bench/. */
export const REPO_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));

export function repoPath(...parts: string[]): string {
  return join(REPO_ROOT, ...parts);
}
