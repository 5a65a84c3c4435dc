// The import-graph checker behind test/layers.test.ts: parses every import / export-from (static, and
// dynamic import() and import types with string literals) of a set of files and reports
//   (a) arrows against the layer order,
//   (b) packages under src/ that are devDependencies (or not declared as dependencies at all),
//   (c) import() calls whose path is computed rather than a string literal.
// Files are given as { path relative to the repository root: source }, so the rules can be tested on
// small in-memory trees as well as on the real one.
import ts from 'typescript';
import { builtinModules } from 'node:module';
import { posix } from 'node:path';

export type Layer = 'index' | 'cli' | 'analysis' | 'train' | 'predict' | 'architectures' | 'io' | 'data' | 'nn' | 'core' | 'backends';

/**
 * Higher layers may import lower ones, never the reverse; equal ranks may not import each other.
 * The package index sits on top (nothing under src/ imports it: no import runs back up).
 * Backends are the contract's implementations, outside the ranking: a backend imports core and its
 * own folder only, and only core's backend table, the CLI's doctor/wiring and the package index import
 * backends.
 */
export const RANK: Readonly<Record<Exclude<Layer, 'backends'>, number>> = {
  index: 9, cli: 8, analysis: 7, train: 6, predict: 6, architectures: 5, data: 4, io: 3, nn: 2, core: 1,
};

/** Layers that may import a backend module directly. */
const BACKEND_IMPORTERS: readonly Layer[] = ['cli', 'index'];

/**
 * The one sanctioned core -> backends arrow: the lazy backend tables (core/backend-table.ts for Node,
 * core/backend-table.web.ts for browser bundles) and the registry's counting backend.
 */
export const SANCTIONED: readonly { from: string; to: string; kind: 'dynamic' | 'static' }[] = [
  { from: 'src/ts/core/backend-table.ts', to: 'src/ts/backends/native/index.ts', kind: 'dynamic' },
  { from: 'src/ts/core/backend-table.ts', to: 'src/ts/backends/native/cpu.ts', kind: 'dynamic' },
  { from: 'src/ts/core/backend-table.ts', to: 'src/ts/backends/wasm/index.ts', kind: 'dynamic' },
  { from: 'src/ts/core/backend-table.ts', to: 'src/ts/backends/js/index.ts', kind: 'dynamic' },
  { from: 'src/ts/core/backend-table.web.ts', to: 'src/ts/backends/wasm/web.ts', kind: 'dynamic' },
  { from: 'src/ts/core/backend-table.web.ts', to: 'src/ts/backends/js/index.ts', kind: 'dynamic' },
  // Synchronous: createModel(..., { init: 'none' }) counts without awaiting anything.
  { from: 'src/ts/core/registry.ts', to: 'src/ts/backends/meta/index.ts', kind: 'static' },
];

export interface ImportRef {
  file: string;
  /** The specifier as written, or null for a computed import(). */
  spec: string | null;
  /** static: loaded with the importer; dynamic: import(); type: erased (import type, typeof import()). */
  kind: 'static' | 'dynamic' | 'type';
  line: number;
}

/** Every import of one source file. */
export function parseImports(file: string, source: string): ImportRef[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true);
  const out: ImportRef[] = [];
  const line = (n: ts.Node): number => sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
  const visit = (n: ts.Node): void => {
    if ((ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) {
      // `import type` / `export type ... from` are erased: no module is loaded at run time.
      const typeOnly = ts.isImportDeclaration(n) ? !!n.importClause?.isTypeOnly : n.isTypeOnly;
      out.push({ file, spec: n.moduleSpecifier.text, kind: typeOnly ? 'type' : 'static', line: line(n) });
    } else if (ts.isImportEqualsDeclaration(n) && ts.isExternalModuleReference(n.moduleReference) && ts.isStringLiteral(n.moduleReference.expression)) {
      out.push({ file, spec: n.moduleReference.expression.text, kind: 'static', line: line(n) });
    } else if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const a = n.arguments[0];
      out.push({ file, spec: a && ts.isStringLiteralLike(a) ? a.text : null, kind: 'dynamic', line: line(n) });
    } else if (ts.isImportTypeNode(n) && ts.isLiteralTypeNode(n.argument) && ts.isStringLiteral(n.argument.literal)) {
      out.push({ file, spec: n.argument.literal.text, kind: 'type', line: line(n) });
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

/** The layer of a repository path, or null outside src/. Throws for a src/ file no rule classifies. */
export function layerOf(path: string): Layer | null {
  if (path.startsWith('src/architectures/')) return 'architectures';
  if (path === 'src/ts/index.ts' || path === 'src/ts/browser.ts' || path === 'src/ts/portable.ts') return 'index';
  const m = /^src\/ts\/([^/]+)\//.exec(path);
  if (m && (m[1] in RANK || m[1] === 'backends')) return m[1] as Layer;
  if (path.startsWith('src/')) throw new Error(`${path}: not in any layer (add it to test/helpers/imports.ts)`);
  return null;
}

/** The backend folder of a path under src/ts/backends/ (js, wasm, native, meta). */
function backendOf(path: string): string {
  return path.split('/')[3];
}

/** `@scope/name/sub` -> `@scope/name`, `name/sub` -> `name`. */
function packageName(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

export interface PackageJson {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

/** All violations in `files` (paths relative to the repository root), one line each. */
export function checkImports(files: Record<string, string>, pkg: PackageJson): string[] {
  const bad: string[] = [];
  const shipped = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {})]);
  const dev = new Set(Object.keys(pkg.devDependencies ?? {}));
  const builtins = new Set(builtinModules);
  for (const [file, source] of Object.entries(files)) {
    const from = layerOf(file);
    if (from === null) continue;
    for (const r of parseImports(file, source)) {
      const at = `${file}:${r.line}`;
      if (r.spec === null) { bad.push(`${at}: computed import() path (write the specifier as a string literal)`); continue; }
      if (!r.spec.startsWith('.')) {
        if (r.spec.startsWith('node:') || builtins.has(r.spec)) continue;
        const name = packageName(r.spec);
        if (dev.has(name) && !shipped.has(name)) bad.push(`${at}: imports '${name}', a devDependency (not installed for users)`);
        else if (!shipped.has(name)) bad.push(`${at}: imports '${name}', which package.json does not declare as a dependency`);
        continue;
      }
      const target = posix.normalize(posix.join(posix.dirname(file), r.spec)).replace(/\.js$/, '.ts');
      const why = arrowViolation(file, from, target, r.kind);
      if (why) bad.push(`${at}: ${from} -> ${target}: ${why}`);
    }
  }
  return bad;
}

function arrowViolation(file: string, from: Layer, target: string, kind: ImportRef['kind']): string | null {
  if (!target.startsWith('src/')) {
    // Out of src/: only the CLI's lazy load of the benchmark code (bench/, optional peers) is allowed,
    // with its types (erased).
    if (target.startsWith('bench/') && from === 'cli' && kind !== 'static') return null;
    return `src/ imports '${target}' outside src/ (only cli may load bench/, lazily)`;
  }
  const to = layerOf(target)!;
  if (from === to) {
    if (from === 'backends' && backendOf(file) !== backendOf(target)) return 'a backend imports another backend';
    return null;
  }
  if (to === 'backends') {
    const s = SANCTIONED.find((e) => e.from === file && e.to === target);
    if (s) return s.kind === kind ? null : `the sanctioned table arrow must be a ${s.kind} import, found ${kind}`;
    if (BACKEND_IMPORTERS.includes(from)) return null;
    return `${from} must not import a backend (core's table picks one; code above core runs on the current backend)`;
  }
  if (from === 'backends') return to === 'core' ? null : `a backend imports only core (the contract), not ${to}`;
  return RANK[from] > RANK[to] ? null : `${from} is not above ${to} in the layer order`;
}
