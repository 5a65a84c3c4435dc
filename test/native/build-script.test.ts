// scripts/build-native.mjs decides what `npm ci` does about the addon: no nvcc -> one line, exit 0;
// nvcc but a broken toolchain -> a clear error and exit 1 (CI has nvcc: failures must be loud),
// unless CONVNETS_NATIVE_OPTIONAL=1 downgrades it to a warning.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const script = fileURLToPath(new URL('../../scripts/build-native.mjs', import.meta.url));
const run = (env: Record<string, string>, args: string[] = [], path = script) => {
  const base: Record<string, string> = { PATH: '/nonexistent', HOME: process.env.HOME ?? '/tmp' };
  const r = spawnSync(process.execPath, [path, ...args], { env: { ...base, ...env }, encoding: 'utf8' });
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

t.test('--install (the registry install script): silent in a git checkout, never fails an install', async (tt) => {
  const inRepo = run({ CONVNETS_NVCC: process.execPath }, ['--install']);
  tt.equal(inRepo.code, 0);
  tt.equal(inRepo.out, '', 'a git checkout leaves the build to prepare');
  // A package as installed from the registry: no .git next to scripts/.
  const pkg = mkdtempSync(join(tmpdir(), 'convnets-pkg-'));
  mkdirSync(join(pkg, 'scripts'));
  copyFileSync(script, join(pkg, 'scripts', 'build-native.mjs'));
  const copy = join(pkg, 'scripts', 'build-native.mjs');
  const none = run({ CONVNETS_NVCC: '/nonexistent/nvcc' }, ['--install'], copy);
  tt.equal(none.code, 0);
  tt.match(none.out, /skipped: nvcc not found/);
  const broken = run({ CONVNETS_NVCC: process.execPath }, ['--install'], copy);
  tt.equal(broken.code, 0, 'a toolchain problem is a warning, not a failed npm install');
  tt.match(broken.out, /WARNING: .*cmake is not on PATH/);
});
