// The import graph of src/: no arrow from a lower layer to a higher one (architectures > nn > core, with
// backends importing only core, and only core's lazy backend table reaching into backends), no
// devDependency under src/, no computed import() path. The checker is tested on planted violations first.
import t from 'tap';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkImports, parseImports } from './helpers/imports.js';
import type { PackageJson } from './helpers/imports.js';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackageJson;

function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (f.endsWith('.ts')) out[relative(root, p).split('\\').join('/')] = readFileSync(p, 'utf8');
    }
  };
  walk(join(root, dir));
  return out;
}

const fakePkg: PackageJson = { dependencies: { commander: '1' }, devDependencies: { benchmark: '2', tap: '21' } };

t.test('the parser sees every kind of import', async (t) => {
  const refs = parseImports('src/ts/x/a.ts', [
    "import { a } from './a.js';",
    "import type { B } from '../b.js';",
    "export * from './c.js';",
    "export { d } from './d.js';",
    "import './side.js';",
    "const m = await import('./lazy.js');",
    "export type { E } from './e.js';",
    'const n = await import(`./tpl.js`);',
    "const spec = './x.js'; await import(spec);",
    "type T = typeof import('./typed.js');",
    "export const e = 1; // import('./in-a-comment.js') is not an import",
  ].join('\n'));
  t.same(refs.map((r) => [r.spec, r.kind]), [
    ['./a.js', 'static'], ['../b.js', 'type'], ['./c.js', 'static'], ['./d.js', 'static'], ['./side.js', 'static'],
    ['./lazy.js', 'dynamic'], ['./e.js', 'type'], ['./tpl.js', 'dynamic'], [null, 'dynamic'], ['./typed.js', 'type'],
  ]);
});

t.test('planted violations are each reported, allowed arrows are not', async (t) => {
  const ok = {
    'src/architectures/a.ts': "import { Conv2d } from '../ts/nn/conv.js';\nimport { x } from '../ts/core/ops.js';",
    'src/ts/nn/conv.ts': "import { x } from '../core/ops.js';",
    'src/ts/backends/js/index.ts': "import { ConvnetsError } from '../../core/backend.js';\nimport { k } from './conv2d.js';",
    'src/ts/core/backend-table.ts': "const t = { js: () => import('../backends/js/index.js') };",
    'src/ts/core/registry.ts': "import { MetaBackend } from '../backends/meta/index.js';",
    'src/ts/cli/bench.ts': "import { Command } from 'commander';\nimport type { T } from '../../../bench/index.js';\nconst b = () => import('../../../bench/index.js');\nimport { readFileSync } from 'node:fs';\nimport os from 'os';",
    'src/ts/cli/doctor.ts': "const w = await import('../backends/wasm/index.js');",
  };
  t.same(checkImports(ok, fakePkg), [], 'a clean tree');
  const cases: [string, Record<string, string>, RegExp][] = [
    ['core -> nn', { 'src/ts/core/ops.ts': "import { Module } from '../nn/module.js';" }, /core -> src\/ts\/nn\/module\.ts: core is not above nn/],
    ['nn -> architectures', { 'src/ts/nn/x.ts': "import { resnet } from '../../architectures/resnet.js';" }, /nn is not above architectures/],
    ['core -> cli', { 'src/ts/core/x.ts': "import type { T } from '../cli/options.js';" }, /core is not above cli/],
    ['anything -> the package index', { 'src/ts/analysis/x.ts': "await import('../index.js');" }, /analysis is not above index/],
    ['architectures -> a backend', { 'src/architectures/x.ts': "import { JsBackend } from '../ts/backends/js/index.js';" }, /architectures must not import a backend/],
    ['nn -> a backend', { 'src/ts/nn/x.ts': "import { WasmBackend } from '../backends/wasm/index.js';" }, /nn must not import a backend/],
    ['core -> a backend outside the table', { 'src/ts/core/ops.ts': "import { JsBackend } from '../backends/js/index.js';" }, /core must not import a backend/],
    ['the table made eager', { 'src/ts/core/backend-table.ts': "import { factory } from '../backends/wasm/index.js';" }, /must be a dynamic import, found static/],
    ['backend -> nn', { 'src/ts/backends/wasm/x.ts': "import { Conv2d } from '../../nn/conv.js';" }, /a backend imports only core .*not nn/],
    ['backend -> io', { 'src/ts/backends/native/x.ts': "import { x } from '../../io/onnx.js';" }, /not io/],
    ['backend -> another backend', { 'src/ts/backends/native/x.ts': "import { JsBackend } from '../js/index.js';" }, /a backend imports another backend/],
    ['devDependency', { 'src/ts/analysis/x.ts': "const b = await import('benchmark');" }, /imports 'benchmark', a devDependency/],
    ['scoped devDependency subpath', { 'src/ts/io/x.ts': "import x from 'tap/lib/y';" }, /imports 'tap', a devDependency/],
    ['undeclared package', { 'src/ts/io/x.ts': "import x from 'left-pad';" }, /'left-pad', which package\.json does not declare/],
    ['computed import path', { 'src/ts/cli/x.ts': "const spec = '../backends/native/index.js';\nawait import(spec);" }, /x\.ts:2: computed import\(\) path/],
    ['src -> bench, statically', { 'src/ts/cli/bench.ts': "import { buildOn } from '../../../bench/models.js';" }, /outside src\//],
    ['src -> bench from below cli', { 'src/ts/analysis/x.ts': "await import('../../../bench/models.js');" }, /outside src\//],
    ['a file in no layer', { 'src/ts/stray.ts': "export const x = 1;" }, /not in any layer/],
  ];
  for (const [name, files, re] of cases) {
    let got: string[];
    try { got = checkImports({ ...ok, ...files }, fakePkg); } catch (e) { got = [(e as Error).message]; }
    t.equal(got.length, 1, `${name}: exactly one violation`);
    t.match(got[0] ?? '', re, name);
  }
});

t.test('src/ follows the layer rules', async (t) => {
  const files = tree('src');
  t.ok(Object.keys(files).length > 80, `${Object.keys(files).length} files parsed`);
  const bad = checkImports(files, pkg);
  t.same(bad, [], 'no violations');
  // The same tree with one planted violation fails: the check is live on the real files.
  const planted = { ...files, 'src/ts/core/shape.ts': files['src/ts/core/shape.ts'] + "\nimport type { Module } from '../nn/module.js';\n" };
  t.equal(checkImports(planted, pkg).length, 1, 'a planted core -> nn arrow is caught');
});

t.test('the backend tables are the only core -> backends arrows, and they are lazy', async (t) => {
  const refs = (f: string) => parseImports(f, readFileSync(join(root, f), 'utf8')).filter((r) => r.spec?.includes('/backends/'))
    .map((r) => [r.spec, r.kind]).sort();
  t.same(refs('src/ts/core/registry.ts'), [['../backends/meta/index.js', 'static']]);
  t.same(refs('src/ts/core/backend-table.ts'), [
    ['../backends/js/index.js', 'dynamic'], ['../backends/native/cpu.js', 'dynamic'], ['../backends/native/index.js', 'dynamic'],
    ['../backends/wasm/index.js', 'dynamic'],
  ]);
  t.same(refs('src/ts/core/backend-table.web.ts'), [['../backends/js/index.js', 'dynamic'], ['../backends/wasm/web.js', 'dynamic']]);
});

t.test('package.json maps the Node backend table to the web one for browser bundles', async (t) => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  t.equal(pkg.browser['./dist/src/ts/core/backend-table.js'], './dist/src/ts/core/backend-table.web.js');
  t.equal(pkg.exports['.'].browser, './dist/src/ts/browser.js', "the main entry's browser condition");
});
