// scripts/build-native.mjs decides what `npm ci` does about the addon: no nvcc -> one line, exit 0;
// nvcc but a broken toolchain -> a clear error and exit 1 (CI has nvcc: failures must be loud),
// unless CONVNETS_NATIVE_OPTIONAL=1 downgrades it to a warning.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('../../scripts/build-native.mjs', import.meta.url));
const run = (env: Record<string, string>) => {
  const base: Record<string, string> = { PATH: '/nonexistent', HOME: process.env.HOME ?? '/tmp' };
  const r = spawnSync(process.execPath, [script], { env: { ...base, ...env }, encoding: 'utf8' });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
};

t.test('no nvcc: skips with one clear line and exit 0', async (tt) => {
  const r = run({ CONVNETS_NVCC: '/nonexistent/nvcc' });
  tt.equal(r.code, 0);
  tt.match(r.out, /build:native: skipped: nvcc not found/);
  tt.equal(r.out.trim().split('\n').length, 1, 'exactly one line');
});

t.test('CONVNETS_SKIP_NATIVE=1 skips', async (tt) => {
  const r = run({ CONVNETS_SKIP_NATIVE: '1' });
  tt.equal(r.code, 0);
  tt.match(r.out, /skipped \(CONVNETS_SKIP_NATIVE is set\)/);
});

t.test('nvcc present but no cmake: loud failure, or a warning when optional', async (tt) => {
  const fake = process.execPath; // any existing file stands in for nvcc: the build stops before using it
  const r = run({ CONVNETS_NVCC: fake });
  tt.equal(r.code, 1);
  tt.match(r.out, /build:native: FAILED: nvcc found at .* but cmake is not on PATH/);
  const o = run({ CONVNETS_NVCC: fake, CONVNETS_NATIVE_OPTIONAL: '1' });
  tt.equal(o.code, 0);
  tt.match(o.out, /WARNING: .*cmake is not on PATH.*native backend is unavailable/);
});
