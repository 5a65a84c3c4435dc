// Builds the native addons (native/) with cmake-js into native/build/Release/:
// - convnets_cpu.node, the CPU backend: C++ only, always built (cmake and a C++17 compiler);
// - convnets_native.node, the CUDA backend: only where nvcc is found.
// Outcomes: no nvcc -> the CPU addon alone (one line says so); a failed build -> the error and exit 1,
// so CI notices; CONVNETS_NATIVE_OPTIONAL=1 turns failures into a warning; CONVNETS_SKIP_NATIVE=1
// skips both. `--install` (the registry package's install script) uses the prebuilt CPU addon in
// prebuilds/<platform>-<arch>/ when it matches and builds only what is missing, never failing.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const tag = 'build:native:';
const truthy = (v) => !!v && v !== '0' && v !== 'false';

function findOnPath(exe) {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, exe))) return join(dir, exe);
  }
  return null;
}

function findNvcc() {
  // CONVNETS_NVCC names the compiler exclusively (tests use it to simulate a machine without CUDA).
  if (process.env.CONVNETS_NVCC !== undefined) {
    return process.env.CONVNETS_NVCC && existsSync(process.env.CONVNETS_NVCC) ? process.env.CONVNETS_NVCC : null;
  }
  const cands = [process.env.CUDACXX, findOnPath('nvcc'), process.env.CUDA_HOME && join(process.env.CUDA_HOME, 'bin/nvcc'),
    '/usr/local/cuda/bin/nvcc', '/usr/local/bin/nvcc'];
  return cands.find((c) => c && existsSync(c)) ?? null;
}

function fail(msg) {
  if (truthy(process.env.CONVNETS_NATIVE_OPTIONAL)) {
    console.warn(`${tag} WARNING: ${msg} (continuing: CONVNETS_NATIVE_OPTIONAL is set; the native backend is unavailable)`);
    process.exit(0);
  }
  console.error(`${tag} FAILED: ${msg}`);
  console.error(`${tag} set CONVNETS_NATIVE_OPTIONAL=1 to install without the native backend, or CONVNETS_SKIP_NATIVE=1 to skip it`);
  process.exit(1);
}

// `--install` is the package's install script, for `npm install convnets` from the registry (npm asks
// users to approve install scripts): there it builds the addon where nvcc is found, but never fails
// the install (the library falls back to wasm; `convnets doctor` says why). In a git checkout it does
// nothing: `prepare` (npm run build) builds the addon there, and fails loudly.
if (process.argv.includes('--install')) {
  if (existsSync(join(root, '.git'))) process.exit(0);
  process.env.CONVNETS_NATIVE_OPTIONAL ??= '1';
}

if (truthy(process.env.CONVNETS_SKIP_NATIVE)) {
  console.log(`${tag} skipped (CONVNETS_SKIP_NATIVE is set); the native backends (cpu, cuda) will be unavailable`);
  process.exit(0);
}
const nvcc = findNvcc();
const prebuilt = join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'convnets_cpu.node');
const install = process.argv.includes('--install');
if (install && existsSync(prebuilt) && !nvcc) {
  console.log(`${tag} using the prebuilt CPU addon ${prebuilt} (no nvcc: no CUDA addon)`);
  process.exit(0);
}
const what = nvcc ? `the CPU and CUDA addons (nvcc ${nvcc})` : 'the CPU addon (nvcc not found: no CUDA addon)';
const cmake = findOnPath('cmake');
if (!cmake) {
  if (install && existsSync(prebuilt)) {
    console.warn(`${tag} WARNING: nvcc found at ${nvcc} but cmake is not on PATH: no CUDA addon; using the prebuilt CPU addon`);
    process.exit(0);
  }
  fail(`cmake is not on PATH (cmake >= 3.18 and a C++17 compiler build ${what})`);
}

let cmakeJs;
try {
  cmakeJs = createRequire(import.meta.url).resolve('cmake-js/bin/cmake-js');
} catch {
  fail('the cmake-js package is not installed (an optional dependency of convnets: reinstall without --omit=optional)');
}

const jobs = Number(process.env.CONVNETS_NATIVE_JOBS) || Math.max(1, cpus().length);
const common = ['-d', join(root, 'native'), '-O', join(root, 'native', 'build'), '-l', 'warn',
  `--CDCONVNETS_CUDA=${nvcc ? 'ON' : 'OFF'}`,
  // Always configured explicitly, so a build directory set up for other architectures returns to the
  // default: sm_80 and sm_90 machine code plus compute_90 PTX (CONVNETS_CUDA_ARCHS="90-real": quicker dev builds).
  ...(nvcc ? [`--CDCMAKE_CUDA_COMPILER=${nvcc}`, `--CDCMAKE_CUDA_ARCHITECTURES=${process.env.CONVNETS_CUDA_ARCHS || '80-real;90'}`] : [])];
console.log(`${tag} building ${what} (${jobs} jobs) ...`);
const t0 = Date.now();
const env = { ...process.env, ...(nvcc ? { CUDACXX: nvcc } : {}) };
let r = spawnSync(process.execPath, [cmakeJs, 'configure', ...common], { cwd: root, stdio: 'inherit', env });
if (!r.error && r.status === 0) {
  r = spawnSync(process.execPath, [cmakeJs, 'build', ...common, '-p', String(jobs)], { cwd: root, stdio: 'inherit', env });
}
const secs = ((Date.now() - t0) / 1000).toFixed(1);
if (r.error) fail(`could not run cmake-js: ${r.error.message}`);
if (r.status !== 0) fail(`the addon did not compile (cmake-js exited ${r.status} after ${secs} s; the compiler output is above)`);
const outs = ['convnets_cpu.node', ...(nvcc ? ['convnets_native.node'] : [])].map((f) => join(root, 'native', 'build', 'Release', f));
for (const out of outs) if (!existsSync(out)) fail(`cmake-js succeeded but ${out} is missing`);
console.log(`${tag} built ${outs.join(' and ')} in ${secs} s`);
