#!/usr/bin/env node
// A tiny static server for the browser examples and tests, on 127.0.0.1 only.
//   node examples/browser/server.mjs [port] [--no-isolation]
// port 0 (the default) picks a free one; the URL is printed as the first line of stdout.
// By default every response carries COOP same-origin + COEP require-corp (the page is then
// cross-origin isolated: SharedArrayBuffer, wasm threads) and CORP same-origin; --no-isolation
// leaves the first two out (the page gets one thread on non-shared memory).
// Served roots (URL prefix -> repo folder): / -> examples/browser, /dist/, /build/, and a fixed list of
// package folders under /node_modules/ (the peers of the bench page). Anything else is a 404.
import { createServer } from 'node:http';
import { createReadStream, realpathSync, statSync } from 'node:fs';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');

/** URL prefix -> folder. Longest prefix wins; '/' last. */
const ROOTS = [
  ['/dist/', join(repo, 'dist')],
  ['/build/', join(repo, 'build')],
  ['/node_modules/onnxruntime-web/dist/', join(repo, 'node_modules', 'onnxruntime-web', 'dist')],
  ['/node_modules/@tensorflow/tfjs-backend-wasm/dist/', join(repo, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist')],
  ['/', here],
];

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.gz': 'application/octet-stream',
  '.onnx': 'application/octet-stream',
  '.bin': 'application/octet-stream',
  '.txt': 'text/plain; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
};

/** Maps a URL path to a file inside one of the roots, or null (outside them, or not a file). */
export function resolvePath(urlPath) {
  let p;
  try {
    p = decodeURIComponent(urlPath.split('?')[0].split('#')[0]);
  } catch {
    return null;
  }
  if (p.includes('\0') || !p.startsWith('/')) return null;
  if (p.endsWith('/')) p += 'index.html';
  for (const [prefix, dir] of ROOTS) {
    if (!p.startsWith(prefix)) continue;
    const file = resolve(dir, '.' + sep + p.slice(prefix.length));
    // resolve() has removed every '..': the result must still lie under the root.
    if (!file.startsWith(dir + sep)) return null;
    // ... and so must its real path: no symlink inside a root leads out of it.
    let real;
    try {
      real = realpathSync(file);
    } catch {
      return null;
    }
    const realDir = realpathSync(dir);
    return real.startsWith(realDir + sep) ? real : null;
  }
  return null;
}

function headers(isolated) {
  const h = { 'Cross-Origin-Resource-Policy': 'same-origin', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' };
  if (isolated) {
    h['Cross-Origin-Opener-Policy'] = 'same-origin';
    h['Cross-Origin-Embedder-Policy'] = 'require-corp';
  }
  return h;
}

/** Starts the server; resolves with { server, port, url } once it listens. */
export function startServer({ port = 0, isolation = true, log = false } = {}) {
  const server = createServer((req, res) => {
    const h = headers(isolation);
    const send = (code, text) => {
      res.writeHead(code, { ...h, 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(text + '\n');
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed');
    const file = resolvePath(req.url ?? '/');
    if (!file) return send(404, 'not found');
    let st;
    try {
      st = statSync(file);
    } catch {
      return send(404, 'not found');
    }
    if (!st.isFile()) return send(404, 'not found');
    const type = MIME[extname(file).toLowerCase()] ?? 'application/octet-stream';
    res.writeHead(200, { ...h, 'Content-Type': type, 'Content-Length': st.size });
    if (log) process.stderr.write(`${req.method} ${req.url} -> ${file}\n`);
    if (req.method === 'HEAD') return res.end();
    const s = createReadStream(file);
    s.on('error', () => res.destroy());
    s.pipe(res);
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => {
      const a = server.address();
      ok({ server, port: a.port, url: `http://127.0.0.1:${a.port}/` });
    });
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const args = process.argv.slice(2);
  const isolation = !args.includes('--no-isolation');
  const log = args.includes('--log');
  const rest = args.filter((a) => !a.startsWith('--'));
  const unknown = args.filter((a) => a.startsWith('--') && a !== '--no-isolation' && a !== '--log');
  if (unknown.length || rest.length > 1 || (rest[0] !== undefined && !/^\d+$/.test(rest[0])) || Number(rest[0] ?? 0) > 65535) {
    process.stderr.write(`usage: node examples/browser/server.mjs [port (0 = any free one)] [--no-isolation] [--log]\n`);
    process.exit(2);
  }
  const { url } = await startServer({ port: Number(rest[0] ?? 0), isolation, log });
  process.stdout.write(`${url}\n`);
  process.stderr.write(`serving examples/browser, dist/, build/ ${isolation ? 'cross-origin isolated (COOP same-origin, COEP require-corp)' : 'WITHOUT cross-origin isolation'}; ` +
    `pages: ${url}train.html ${url}bench.html\n`);
}
