// A user's bundle: esbuild --platform=browser of the package's browser entry resolves no Node
// built-in (a plugin fails the build on node:* and bare built-ins; the metafile is checked too), and
// the bundle loads in Chromium and runs a forward pass on the wasm backend.
import t from 'tap';
import { builtinModules } from 'node:module';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { browserSkipReason, EXAMPLES, launch, open, REPO, serve } from './helpers.js';

const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

let esbuild: typeof import('esbuild') | null = null;
try { esbuild = await import('esbuild'); } catch { /* reported below */ }

if (!esbuild) {
  const why = 'esbuild is not installed (devDependency): bundle test skipped';
  t.comment(why);
  t.plan(0, why);
} else {
  const outDir = join(EXAMPLES, 'data', 'gen');
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, 'convnets.bundle.js');
  const nodeImports: string[] = [];
  const r = await esbuild.build({
    entryPoints: [join(REPO, 'dist', 'src', 'ts', 'browser.js')],
    bundle: true, format: 'esm', platform: 'browser', target: 'chrome120', outfile, metafile: true, logLevel: 'silent',
    plugins: [{
      name: 'no-node-builtins',
      setup(b) {
        b.onResolve({ filter: /.*/ }, (a) => {
          const bare = a.path.split('/')[0];
          if (a.path.startsWith('node:') || BUILTINS.has(a.path) || BUILTINS.has(bare)) {
            nodeImports.push(`${a.path} (imported by ${a.importer.slice(REPO.length + 1)})`);
            return { errors: [{ text: `Node built-in '${a.path}' imported by ${a.importer}` }] };
          }
          return undefined;
        });
      },
    }],
  }).catch((e: { errors?: { text: string }[] }) => ({ failed: (e.errors ?? []).map((x) => x.text) }));
  t.same(nodeImports, [], 'the browser entry imports no Node built-in');
  t.notOk('failed' in r, `esbuild bundles the browser entry${'failed' in r ? `: ${r.failed.join('; ')}` : ''}`);
  if (!('failed' in r)) {
    const inputs = Object.keys(r.metafile.inputs);
    const imported = Object.values(r.metafile.inputs).flatMap((i) => i.imports.map((x) => x.path));
    t.same(imported.filter((p) => BUILTINS.has(p) || p.startsWith('node:')), [], 'metafile: no Node built-in among the imports');
    t.notOk(inputs.some((f) => /node_modules\/(sharp|cli-progress)\//.test(f)), 'sharp and cli-progress are not in the bundle');
    const bytes = r.metafile.outputs[Object.keys(r.metafile.outputs)[0]].bytes;
    t.comment(`bundle: ${inputs.length} inputs, ${(bytes / 1024).toFixed(0)} KiB`);

    const skip = await browserSkipReason();
    if (skip) t.comment(`skipped in Chromium: ${skip}`);
    else t.test('the bundle runs in Chromium', async (t) => {
      const browser = await launch();
      const srv = await serve(true);
      t.teardown(async () => { await browser.close(); await srv.close(); });
      const { page, errors } = await open(browser, `${srv.url}harness/harness.html`);
      // One thread on the page's main thread: the bundle as an app would use it directly.
      const out = await page.evaluate(async () => {
        const cn = await import('/data/gen/convnets.bundle.js' as string);
        const b = await cn.initBackend('wasm', { threads: 1, wasm: '/build/' });
        cn.manualSeed(1);
        const m = cn.createModel('resnet18', { numClasses: 10 });
        const x = cn.Tensor.randn([1, 32, 32, 3], 5);
        const y = m.forward(x, { training: false }).toFloat32();
        return { name: b.name, info: b.info(), logits: Array.from(y as Float32Array) };
      });
      t.equal(out.name, 'wasm', 'the bundle runs the wasm backend in Chromium');
      t.equal(out.logits.length, 10, 'resnet18 forward gives 10 logits');
      t.ok(out.logits.every(Number.isFinite) && out.logits.some((v) => v !== 0), 'finite, non-zero logits');
      t.same(errors, [], 'no console errors');
    });
  }
}
