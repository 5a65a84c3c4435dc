// The explicit backend table (core/registry.ts): priority order, lazy loading, plugins, overrides, the
// counting backend, and a backend module that cannot load reading as "unavailable: <reason>".
import t from 'tap';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  BACKEND_PRIORITY, backendAvailability, createBackend, getBackend, hasBackend, initBackend, registerBackend,
  registeredBackends, setBackend, withCountingBackend,
} from '../../src/ts/core/registry.js';
import type { Backend } from '../../src/ts/core/backend.js';
import { KERNEL_NAMES } from '../../src/ts/core/backend.js';
import { MetaBackend } from '../../src/ts/backends/meta/index.js';
import { JsBackend } from '../../src/ts/backends/js/index.js';

const run = promisify(execFile);

t.test('the table: cuda > cpu > wasm > js, loaded on demand, names checked', async (t) => {
  t.same(BACKEND_PRIORITY, ['cuda', 'cpu', 'wasm', 'js']);
  t.equal(await backendAvailability('js'), null, 'js is always available');
  t.match(await backendAvailability('tpu'), /backend 'tpu' is not registered \(known: cuda, cpu, wasm, js\)/);
  await t.rejects(createBackend('tpu'), /unknown backend 'tpu'/);
  const js = await createBackend('js', { dtype: 'float64' });
  t.ok(js instanceof JsBackend);
  t.equal(js.dtype, 'float64', 'options reach the factory');
  // 'native' is the CUDA backend's older name: it selects cuda (same availability, same errors).
  t.equal(await backendAvailability('native'), await backendAvailability('cuda'), "'native' is an alias of 'cuda'");
  t.throws(() => registerBackend('native', { unavailableReason: async () => null, create: async () => new JsBackend() }),
    /'native' is a built-in backend/, 'an alias cannot be registered over');
});

t.test('CONVNETS_BACKEND overrides the priority order; a name wins over it', async (t) => {
  const saved = process.env.CONVNETS_BACKEND;
  t.teardown(() => { if (saved === undefined) delete process.env.CONVNETS_BACKEND; else process.env.CONVNETS_BACKEND = saved; });
  process.env.CONVNETS_BACKEND = 'js';
  t.equal((await initBackend()).name, 'js');
  process.env.CONVNETS_BACKEND = 'nope';
  await t.rejects(initBackend(), /unknown backend 'nope'/);
  t.equal((await initBackend('js')).name, 'js');
});

t.test('third-party backends register by name, after the built-ins', async (t) => {
  const made: string[] = [];
  registerBackend('plugin-test', {
    unavailableReason: async () => 'no plugin hardware here',
    create: async () => { made.push('x'); return new JsBackend(); },
  });
  t.same(registeredBackends().slice(0, 4), ['cuda', 'cpu', 'wasm', 'js']);
  t.equal(registeredBackends().at(-1), 'plugin-test');
  t.equal(await backendAvailability('plugin-test'), 'no plugin hardware here');
  await t.rejects(createBackend('plugin-test'), /backend 'plugin-test' is unavailable: no plugin hardware here/);
  t.same(made, [], 'an unavailable backend is never created');
  t.throws(() => registerBackend('js', { unavailableReason: async () => null, create: async () => new JsBackend() }), /'js' is a built-in backend/);
  t.throws(() => registerBackend('Bad Name', { unavailableReason: async () => null, create: async () => new JsBackend() }), /name must be lower-case/);
  t.throws(() => registerBackend('half', {} as never), /needs create\(\) and unavailableReason\(\)/);
  registerBackend('throwing-check', { unavailableReason: async () => { throw new Error('probe crashed'); }, create: async () => new JsBackend() });
  t.match(await backendAvailability('throwing-check'), /failed its availability check: probe crashed/);
});

t.test('withCountingBackend: a storage-less backend current for fn, the previous one restored', async (t) => {
  const js = await initBackend('js');
  const seen = withCountingBackend(() => getBackend());
  t.ok(seen instanceof MetaBackend);
  t.equal(getBackend(), js, 'restored');
  t.throws(() => withCountingBackend(() => { throw new Error('inside'); }), /inside/);
  t.equal(getBackend(), js, 'restored after a throw');
  const meta = seen as Backend;
  const b = meta.alloc(140_000_000);
  t.equal(b.length, 140_000_000, 'a buffer is its length');
  t.equal(meta.allocated(), 0, 'and allocates nothing');
  meta.write(b, [1, 2]); meta.fill(b, 0); meta.copy(b, b); meta.free(b);
  t.throws(() => meta.read(b), /counting only.*cannot run 'read'/);
  t.throws(() => meta.alloc(-1), /non-negative integer/);
  for (const k of KERNEL_NAMES) {
    t.throws(() => (meta[k] as unknown as () => void)(), new RegExp(`cannot run '${k}'`), `${k} refuses`);
  }
  t.ok(hasBackend());
  setBackend(js);
});

t.test('a backend module that fails to import reads as unavailable; the rest still works', async (t) => {
  const env: NodeJS.ProcessEnv = { ...process.env, CONVNETS_TEST_UNRESOLVABLE: 'backends/native/index\\.js$' };
  delete env.CONVNETS_BACKEND;
  const hook = fileURLToPath(new URL('../helpers/unresolvable.mjs', import.meta.url));
  const script = fileURLToPath(new URL('../helpers/doctor-report.ts', import.meta.url));
  const { stdout } = await run(process.execPath, [...process.execArgv, '--import', hook, script], { env, timeout: 120_000 });
  const out = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
    report: { backends: { name: string; available: boolean; reason: string | null }[]; native: { loadError: string | null } };
    text: string; picked: string;
  };
  const native = out.report.backends.find((b) => b.name === 'cuda')!;
  t.equal(native.available, false);
  t.match(native.reason, /its module failed to load: Cannot find package '\.\.\/backends\/native\/index\.js' .*\(simulated\)/);
  t.match(out.text, /cuda +unavailable: its module failed to load: .*\(simulated\)/);
  t.match(out.report.native.loadError, /simulated/);
  t.ok(out.report.backends.some((b) => b.name === 'js' && b.available), 'js still available');
  t.not(out.picked, 'cuda', `initBackend() falls back to ${out.picked}`);
});
