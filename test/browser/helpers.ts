// Real-Chromium test helpers: Debian's /usr/bin/chromium driven by playwright-core (never a browser
// download), the example server on 127.0.0.1, and a PNG decoder for screenshot checks.
// Without /usr/bin/chromium (or playwright-core) every browser test skips with a visible reason.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { inflateSync } from 'node:zlib';
import type { BrowserContext, Page } from 'playwright-core';

export const CHROMIUM = process.env.CONVNETS_CHROMIUM ?? '/usr/bin/chromium';
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const EXAMPLES = join(REPO, 'examples', 'browser');

/** Why the browser tests cannot run here, or null. */
export async function browserSkipReason(): Promise<string | null> {
  if (!existsSync(CHROMIUM)) return `no Chromium at ${CHROMIUM} (install Debian's: apt-get install -y chromium): browser tests skipped`;
  try {
    await import('playwright-core');
  } catch (e) {
    return `playwright-core is not installed (${(e as Error).message}): browser tests skipped`;
  }
  const entry = join(REPO, 'dist', 'src', 'ts', 'browser.js');
  if (!existsSync(entry)) return `${entry} is missing: run npm run build:ts (browser tests skipped)`;
  if (!existsSync(join(REPO, 'build', 'convnets.wasm'))) return 'build/convnets.wasm is missing: run npm run build:wasm (browser tests skipped)';
  return null;
}

export interface Served { url: string; close(): Promise<void>; }

/** The example server (examples/browser/server.mjs), isolated (COOP/COEP) or not. */
export async function serve(isolation: boolean): Promise<Served> {
  const mod = (await import(pathToFileURL(join(EXAMPLES, 'server.mjs')).href)) as {
    startServer(o: { port?: number; isolation?: boolean }): Promise<{ url: string; server: { close(cb: () => void): void; closeAllConnections(): void } }>;
  };
  const { url, server } = await mod.startServer({ port: 0, isolation });
  return { url, close: () => new Promise<void>((ok) => { server.closeAllConnections(); server.close(() => ok()); }) };
}

/** The generation steps of examples/browser/prepare.mjs. */
export async function prepare(): Promise<{ exportDigits(log?: (s: string) => void): Promise<void>; bundleTfjsWorker(log?: (s: string) => void): Promise<void>; exportBenchOnnx(log?: (s: string) => void, models?: string[]): Promise<void>; DATA_DIR: string }> {
  return import(pathToFileURL(join(EXAMPLES, 'prepare.mjs')).href);
}

export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];

export interface Browser { context: BrowserContext; close(): Promise<void>; }

/** Headless Chromium with a fresh profile directory (removed on close). */
export async function launch(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'convnets-chromium-'));
  // launchPersistentContext passes --user-data-dir=<profile>; headless: true adds --headless.
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 60000 });
  return {
    context,
    close: async () => { await context.close().catch(() => {}); rmSync(profile, { recursive: true, force: true }); },
  };
}

/** Opens a page and records its console errors and uncaught exceptions (worker ones included). */
export async function open(b: Browser, url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await b.context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  page.on('worker', (w) => w.on('console', (m) => { if (m.type() === 'error') errors.push(`worker console: ${m.text()}`); }));
  await page.goto(url);
  return { page, errors };
}

/** Largest |a-b| relative to max |b|. */
export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let d = 0, m = 0;
  for (let i = 0; i < a.length; i++) { d = Math.max(d, Math.abs(a[i] - b[i])); m = Math.max(m, Math.abs(b[i])); }
  return d / Math.max(m, 1e-30);
}

/** Decodes an 8-bit, non-interlaced RGB or RGBA PNG (what Chromium's screenshots are) to RGBA. */
export function decodePng(png: Uint8Array): { width: number; height: number; rgba: Uint8Array } {
  const sig = [137, 80, 78, 71, 13, 10, 26, 10];
  if (!sig.every((v, i) => png[i] === v)) throw new Error('not a PNG');
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let off = 8, width = 0, height = 0, type = 0;
  const idat: Uint8Array[] = [];
  while (off < png.length) {
    const len = dv.getUint32(off), kind = String.fromCharCode(...png.subarray(off + 4, off + 8));
    const body = png.subarray(off + 8, off + 8 + len);
    if (kind === 'IHDR') {
      width = dv.getUint32(off + 8); height = dv.getUint32(off + 12); type = body[9];
      if (body[8] !== 8 || (type !== 2 && type !== 6) || body[12] !== 0) throw new Error(`PNG: unsupported depth ${body[8]} / colour type ${type} / interlace ${body[12]}`);
    } else if (kind === 'IDAT') idat.push(body);
    else if (kind === 'IEND') break;
    off += 12 + len;
  }
  const bpp = type === 6 ? 4 : 3, stride = width * bpp;
  const raw = inflateSync(Buffer.concat(idat));
  const px = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)], src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = px.subarray(y * stride, (y + 1) * stride), up = y ? px.subarray((y - 1) * stride, y * stride) : null;
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? row[i - bpp] : 0, b = up ? up[i] : 0, c = up && i >= bpp ? up[i - bpp] : 0;
      let v = src[i];
      if (f === 1) v += a;
      else if (f === 2) v += b;
      else if (f === 3) v += (a + b) >> 1;
      else if (f === 4) { const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c); v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c; }
      else if (f !== 0) throw new Error(`PNG: bad filter ${f}`);
      row[i] = v & 255;
    }
  }
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    rgba[i * 4] = px[i * bpp]; rgba[i * 4 + 1] = px[i * bpp + 1]; rgba[i * 4 + 2] = px[i * bpp + 2]; rgba[i * 4 + 3] = bpp === 4 ? px[i * bpp + 3] : 255;
  }
  return { width, height, rgba };
}
