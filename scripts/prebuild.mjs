// Puts the CPU addon into prebuilds/<platform>-<arch>/convnets_cpu.node (node-gyp-build's folder
// convention), stripped, for the npm package: `npm install convnets` on a server without a compiler then
// has the cpu backend (scripts/build-native.mjs --install uses it when no nvcc asks for a build). Runs
// at `npm pack` / `npm publish` (prepack). The addon never assumes the build machine's CPU: its wide
// ISA paths are chosen at run time by CPUID, so the binary is the same one `npm run build:native` makes.
// Usage: node scripts/prebuild.mjs [--out dir]   (default: prebuilds/ of the package)
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const i = process.argv.indexOf('--out');
const outRoot = i > 0 ? resolve(process.argv[i + 1]) : join(root, 'prebuilds');
const tag = 'prebuild:';
const built = join(root, 'native', 'build', 'Release', 'convnets_cpu.node');

const fail = (msg) => {
  console.error(`${tag} FAILED: ${msg}`);
  process.exit(1);
};

// Build (or bring up to date) the CPU target in the usual build directory.
if (existsSync(join(root, 'native', 'build', 'CMakeCache.txt'))) {
  const r = spawnSync('cmake', ['--build', join(root, 'native', 'build'), '--target', 'convnets_cpu', '--config', 'Release'],
    { stdio: 'inherit' });
  if (r.error || r.status !== 0) fail(`cmake --build failed (${r.error?.message ?? `exit ${r.status}`})`);
} else {
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'build-native.mjs')],
    { stdio: 'inherit', env: { ...process.env, CONVNETS_NVCC: '' } });
  if (r.error || r.status !== 0) fail('scripts/build-native.mjs failed');
}
if (!existsSync(built)) fail(`${built} was not produced`);

const dir = join(outRoot, `${process.platform}-${process.arch}`);
mkdirSync(dir, { recursive: true });
const out = join(dir, 'convnets_cpu.node');
copyFileSync(built, out);
const s = spawnSync('strip', ['--strip-unneeded', out], { stdio: 'inherit' });
if (s.error) console.warn(`${tag} strip not found: the prebuilt binary keeps its symbols`);
// The newest glibc symbol version the binary needs: the oldest Linux it loads on.
let glibc = 'unknown';
const od = spawnSync('objdump', ['-T', out], { encoding: 'utf8' });
if (!od.error && od.status === 0) {
  const v = [...od.stdout.matchAll(/GLIBC_(\d+)\.(\d+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
  v.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (v.length) glibc = `${v.at(-1)[0]}.${v.at(-1)[1]}`;
}
const kb = Math.round(readFileSync(out).length / 1024);
console.log(`${tag} ${out} (${kb} KiB, needs glibc >= ${glibc})`);
