import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A module of the graph: a file of the repository (`dist/src/edge/main.js`) or a third-party package (`pkg:pg`). */
export type ModuleId = string;

/**
 * The static and dynamic ESM imports reachable from a built entry, each module with the one that first imported
 * it (breadth first, so that the chain back to the entry is a shortest one). Relative specifiers are followed;
 * bare ones are resolved as node does and followed when they land in the repository (the workspace packages, by
 * their symlinks into packages/x/dist); third-party packages are leaves named `pkg:<name>`.
 */
export class ImportGraph {
  private readonly parent = new Map<ModuleId, ModuleId | null>();
  private readonly importers = new Map<ModuleId, Set<ModuleId>>();

  constructor(readonly entry: string) {
    const start = toId(resolve(REPO_ROOT, entry));
    if (!existsSync(resolve(REPO_ROOT, start))) throw new Error(`${entry} is not built: run npm run build`);
    this.parent.set(start, null);
    const queue = [start];
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      for (const next of importsOf(id)) {
        this.importers.set(next, (this.importers.get(next) ?? new Set()).add(id));
        if (this.parent.has(next)) continue;
        this.parent.set(next, id);
        if (!next.startsWith('pkg:')) queue.push(next);
      }
    }
  }

  modules(): ModuleId[] {
    return [...this.parent.keys()];
  }

  /** entry -> ... -> id */
  chainTo(id: ModuleId): ModuleId[] {
    const chain: ModuleId[] = [];
    for (let at: ModuleId | null | undefined = id; at; at = this.parent.get(at)) chain.unshift(at);
    return chain;
  }

  /** For every module that `forbidden` matches: the chain that reaches it, and every module that imports it. */
  violations(forbidden: (id: ModuleId) => boolean): string[] {
    return this.modules()
      .filter(forbidden)
      .map((id) => {
        const by = [...(this.importers.get(id) ?? [])].filter((m) => !forbidden(m));
        return `${this.chainTo(id).join('\n  -> ')}\n  (imported by ${by.join(', ')})`;
      });
  }
}

const BUILTINS = new Set(builtinModules);

function toId(file: string): ModuleId {
  return relative(REPO_ROOT, file).split(sep).join('/');
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function importsOf(id: ModuleId): ModuleId[] {
  const file = resolve(REPO_ROOT, id);
  if (!/\.(m?js)$/.test(file)) return []; // JSON and other assets import nothing
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return importedFiles.flatMap(({ fileName: specifier }) => {
    if (specifier.startsWith('node:') || BUILTINS.has(specifier)) return [];
    if (specifier.startsWith('.') || specifier.startsWith('/')) {
      const target = resolve(dirname(file), specifier);
      if (!existsSync(target)) throw new Error(`${id} imports ${specifier}, which is not there`);
      return [toId(target)];
    }
    return [resolveBare(file, specifier)];
  });
}

/**
 * A bare specifier, looked up as node does (node_modules folders from the importer up): a package whose folder is
 * in the repository (a workspace package, by its symlink) is followed to its entry; any other is a leaf by name.
 * By hand rather than with createRequire: under jest that would apply jest's name mapping (to packages/x/src).
 */
function resolveBare(fromFile: string, specifier: string): ModuleId {
  const name = packageName(specifier);
  for (let dir = dirname(fromFile); ; dir = dirname(dir)) {
    const folder = join(dir, 'node_modules', name);
    if (existsSync(folder)) {
      const real = realpathSync(folder);
      if (real.includes(`${sep}node_modules${sep}`)) return `pkg:${name}`;
      return toId(join(real, packageEntry(real, `.${specifier.slice(name.length)}`)));
    }
    if (dir === dirname(dir)) return `pkg:${name}`;
  }
}

/** The file that a workspace package's `exports` (or `main`) gives for `subpath`. */
function packageEntry(folder: string, subpath: string): string {
  const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'));
  let target = manifest.exports?.[subpath] ?? (subpath === '.' ? (manifest.exports ?? manifest.main) : undefined);
  while (target && typeof target === 'object') target = target.import ?? target.default;
  if (typeof target !== 'string') throw new Error(`${manifest.name} exports no ${subpath}`);
  return target;
}
