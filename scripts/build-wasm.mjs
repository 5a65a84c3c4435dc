// Compiles assembly/ into build/convnets.wasm (SIMD128 + threads over an imported shared memory) and
// build/convnets-relaxed.wasm (adds relaxed SIMD: fused multiply-add), plus the single-thread pair
// convnets-single(-relaxed).wasm over plain memory, for pages that are not cross-origin isolated
// (browsers give them no SharedArrayBuffer). The backend loads a relaxed build only where the runtime
// validates it. Runs offline from node_modules/.bin/asc (builds in parallel); any compiler failure
// fails the build loudly.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const asc = join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'asc.cmd' : 'asc');
if (!existsSync(asc)) {
  console.error(`build:wasm: AssemblyScript compiler not found at ${asc} (is the assemblyscript devDependency installed?)`);
  process.exit(1);
}
mkdirSync(join(root, 'build'), { recursive: true });

// Static data (math tables) starts at 8 KiB, above the parameter block at 1 KiB; the host's arena starts
// at 64 KiB. Shared memory may grow to 4 GiB.
// Atomics stay valid on plain memory (the threads feature allows them), so one source serves both.
const common = ['assembly/index.ts', '-O3', '--enable', 'simd', '--enable', 'threads', '--importMemory',
  '--initialMemory', '64', '--maximumMemory', '65536', '--memoryBase', '8192', '--runtime', 'stub', '--use', 'abort=',
  '--noAssert'];
const builds = [
  { out: 'build/convnets.wasm', extra: ['--sharedMemory'] },
  { out: 'build/convnets-relaxed.wasm', extra: ['--sharedMemory', '--enable', 'relaxed-simd'] },
  { out: 'build/convnets-single.wasm', extra: [] },
  { out: 'build/convnets-single-relaxed.wasm', extra: ['--enable', 'relaxed-simd'] },
];

function compile(b) {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(asc, [...common, ...b.extra, '-o', b.out], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
    child.on('error', (e) => resolve(`${b.out}: cannot run asc: ${e.message}`));
    child.on('close', (code, signal) => {
      if (code !== 0 || !existsSync(join(root, b.out))) resolve(`${b.out}: asc exited with ${code ?? signal}`);
      else {
        console.log(`build:wasm: ${b.out} (${statSync(join(root, b.out)).size} bytes, ${Date.now() - t0} ms)`);
        resolve(null);
      }
    });
  });
}

const failures = (await Promise.all(builds.map(compile))).filter((f) => f !== null);
if (failures.length) {
  for (const f of failures) console.error(`build:wasm: FAILED ${f}`);
  process.exit(1);
}
