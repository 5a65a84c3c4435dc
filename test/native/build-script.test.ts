// scripts/build-native.mjs decides what `npm ci` does about the addons: the CPU addon is always built
// (cmake + a C++ compiler), the CUDA addon where nvcc is found; a missing toolchain in a checkout is a
// clear error and exit 1 (CI must notice), CONVNETS_NATIVE_OPTIONAL=1 downgrades it to a warning; as a
// registry package's install script it uses the prebuilt CPU addon and never fails the install.
// scripts/prebuild.mjs makes that prebuilt binary: it must load without a compiler or libstdc++.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const script = join(repo, 'scripts', 'build-native.mjs');
const run = (env: Record<string, string>, args: string[] = [], path = script) => {
  const base: Record<string, string> = { PATH: '/nonexistent', HOME: process.env.HOME ?? '/tmp' };
  const r = spawnSync(process.execPath, [path, ...args], { env: { ...base, ...env }, encoding: 'utf8' });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
};

t.test('CONVNETS_SKIP_NATIVE=1 skips both addons', async (tt) => {
  const r = run({ CONVNETS_SKIP_NATIVE: '1' });
  tt.equal(r.code, 0);
  tt.match(r.out, /skipped \(CONVNETS_SKIP_NATIVE is set\)/);
});

t.test('no cmake in a checkout: loud failure naming what it would build, or a warning when optional', async (tt) => {
  const none = run({ CONVNETS_NVCC: '/nonexistent/nvcc' });
  tt.equal(none.code, 1);
  tt.match(none.out, /build:native: FAILED: cmake is not on PATH .*the CPU addon \(nvcc not found: no CUDA addon\)/);
  const fake = process.execPath; // any existing file stands in for nvcc: the build stops before using it
  const r = run({ CONVNETS_NVCC: fake });
  tt.equal(r.code, 1);
  tt.match(r.out, /FAILED: cmake is not on PATH .*the CPU and CUDA addons \(nvcc /);
  const o = run({ CONVNETS_NVCC: fake, CONVNETS_NATIVE_OPTIONAL: '1' });
  tt.equal(o.code, 0);
  tt.match(o.out, /WARNING: .*cmake is not on PATH.*unavailable/);
});

t.test('--install (the registry install script): silent in a git checkout, prebuilt when it matches, never fails', async (tt) => {
  const inRepo = run({ CONVNETS_NVCC: process.execPath }, ['--install']);
  tt.equal(inRepo.code, 0);
  tt.equal(inRepo.out, '', 'a git checkout leaves the build to prepare');
  // A package as installed from the registry: no .git next to scripts/.
  const pkg = mkdtempSync(join(tmpdir(), 'convnets-pkg-'));
  mkdirSync(join(pkg, 'scripts'));
  copyFileSync(script, join(pkg, 'scripts', 'build-native.mjs'));
  const copy = join(pkg, 'scripts', 'build-native.mjs');
  const none = run({ CONVNETS_NVCC: '/nonexistent/nvcc' }, ['--install'], copy);
  tt.equal(none.code, 0, 'no prebuilt and no toolchain: a warning, not a failed npm install');
  tt.match(none.out, /WARNING: cmake is not on PATH/);
  mkdirSync(join(pkg, 'prebuilds', `${process.platform}-${process.arch}`), { recursive: true });
  copyFileSync(process.execPath, join(pkg, 'prebuilds', `${process.platform}-${process.arch}`, 'convnets_cpu.node'));
  const pre = run({ CONVNETS_NVCC: '/nonexistent/nvcc' }, ['--install'], copy);
  tt.equal(pre.code, 0);
  tt.match(pre.out, /using the prebuilt CPU addon .*prebuilds.*convnets_cpu\.node \(no nvcc: no CUDA addon\)/);
  tt.equal(pre.out.trim().split('\n').length, 1, 'one line, no build');
  const withNvcc = run({ CONVNETS_NVCC: process.execPath }, ['--install'], copy);
  tt.equal(withNvcc.code, 0, 'nvcc but no cmake: the prebuilt CPU addon, a warning about CUDA');
  tt.match(withNvcc.out, /WARNING: nvcc found at .* but cmake is not on PATH: no CUDA addon; using the prebuilt CPU addon/);
});

// The prebuilt binary: made from the build, stripped, C++ runtime linked in, and found by the loader of
// an installed package that has no native/build.
t.test('prebuild: a self-contained CPU addon that an installed package loads from prebuilds/', async (tt) => {
  if (!existsSync(join(repo, 'native', 'build', 'Release', 'convnets_cpu.node'))) {
    tt.fail('the CPU addon is not built (npm run build:native builds it on every machine with cmake and a C++ compiler)');
    return;
  }
  const pkg = mkdtempSync(join(tmpdir(), 'convnets-prebuilt-'));
  const r = spawnSync(process.execPath, [join(repo, 'scripts', 'prebuild.mjs'), '--out', join(pkg, 'prebuilds')], { encoding: 'utf8' });
  tt.equal(r.status, 0, `prebuild.mjs ran: ${r.stdout}${r.stderr}`.trim());
  const bin = join(pkg, 'prebuilds', `${process.platform}-${process.arch}`, 'convnets_cpu.node');
  tt.ok(existsSync(bin), bin);
  tt.match(r.stdout, /needs glibc >= \d+\.\d+/, 'says the oldest glibc it loads on');
  const od = spawnSync('objdump', ['-p', bin], { encoding: 'utf8' });
  if (od.error) tt.comment('objdump not found: dependencies unchecked');
  else {
    const needed = [...od.stdout.matchAll(/NEEDED\s+(\S+)/g)].map((m) => m[1]);
    tt.notOk(needed.some((n) => /libstdc\+\+|libgcc_s/.test(n)), `no C++ runtime needed at load (NEEDED: ${needed.join(', ')})`);
  }
  // An installed package: package.json, native/CMakeLists.txt (how the loader recognises the root),
  // dist/ and the prebuilt; no native/build.
  cpSync(join(repo, 'dist'), join(pkg, 'dist'), { recursive: true });
  copyFileSync(join(repo, 'package.json'), join(pkg, 'package.json'));
  mkdirSync(join(pkg, 'native'));
  copyFileSync(join(repo, 'native', 'CMakeLists.txt'), join(pkg, 'native', 'CMakeLists.txt'));
  const probe = `
    const { loadCpuAddon, CpuBackend } = await import(${JSON.stringify(join(pkg, 'dist/src/ts/backends/native/cpu.js'))});
    const l = loadCpuAddon();
    const b = new CpuBackend(l.addon, { threads: 2 });
    const x = b.alloc(1000), y = b.alloc(1000);
    b.fill(x, 3); b.fill(y, 1); b.axpy(1000, 2, x, y);
    console.log(JSON.stringify({ path: l.path, y: b.read(y)[999], isa: b.isa }));`;
  const env = { ...process.env };
  delete env.CONVNETS_CPU_ADDON;
  const p = spawnSync(process.execPath, ['--input-type=module', '-e', probe], { encoding: 'utf8', env, cwd: pkg });
  tt.equal(p.status, 0, p.stderr);
  const got = JSON.parse(p.stdout.trim().split('\n').at(-1) ?? '{}') as { path: string; y: number; isa: string };
  tt.equal(got.path, bin, 'the loader of a package without native/build takes prebuilds/<platform>-<arch>/');
  tt.equal(got.y, 7, `and its kernels run (${got.isa} path)`);
});
