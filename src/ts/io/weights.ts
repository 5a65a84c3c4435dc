// Pretrained weights by name: the table of torchvision's published ImageNet weights, the cache
// folders (ours and torch's hub cache, so files torchvision already downloaded are found), SHA-256
// checks, and a resumable, atomic, hash-checked download with a progress bar on a terminal.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConvnetsError } from '../core/backend.js';
import { IMAGENET_MEAN, IMAGENET_STD, imagenetClasses } from './images.js';
import type { Preprocess } from './images.js';
import { TORCHVISION_WEIGHTS } from './weights-table.js';
import type { WeightsRecord } from './weights-table.js';

export type { WeightsRecord } from './weights-table.js';

export const WEIGHTS_BASE_URL = 'https://download.pytorch.org/models/';

export interface PretrainedWeights extends WeightsRecord {
  url: string;
  mean: readonly number[];
  std: readonly number[];
  /** The 1,000 ImageNet class names, in output order. */
  categories: () => string[];
}

const full = (r: WeightsRecord): PretrainedWeights => ({
  ...r, url: WEIGHTS_BASE_URL + r.file, mean: IMAGENET_MEAN, std: IMAGENET_STD, categories: imagenetClasses,
});

/** A weights name rather than a file: IMAGENET1K_V1, IMAGENET1K_V2, DEFAULT (case-insensitive). */
export function isWeightsName(s: string): boolean {
  return /^(IMAGENET1K_V\d+|DEFAULT)$/i.test(s);
}

/** Every published weight (or those of one model). */
export function listWeights(model?: string): PretrainedWeights[] {
  return TORCHVISION_WEIGHTS.filter((r) => model === undefined || r.model === model).map(full);
}

/** The weights `name` (IMAGENET1K_V2, DEFAULT, ...) of `model`, or an error listing what exists. */
export function getWeights(model: string, name = 'DEFAULT'): PretrainedWeights {
  const all = TORCHVISION_WEIGHTS.filter((r) => r.model === model);
  if (!all.length) {
    const known = [...new Set(TORCHVISION_WEIGHTS.map((r) => r.model))].join(', ');
    throw new ConvnetsError(`no published ImageNet weights for model '${model}' (torchvision publishes them for: ${known})`);
  }
  const up = name.toUpperCase();
  const r = up === 'DEFAULT' ? all.find((w) => w.default) : all.find((w) => w.name === up);
  if (!r) throw new ConvnetsError(`model '${model}' has no weights '${name}' (available: ${all.map((w) => w.name).join(', ')}, DEFAULT)`);
  return full(r);
}

/** The eval preprocessing of the weights (torchvision's weights.transforms(), transform_input folded in). */
export function weightsPreprocess(w: PretrainedWeights): Preprocess {
  // transform_input maps ImageNet-normalised x to (pixel - 0.5) / 0.5: the same as normalising with 0.5 / 0.5.
  const [mean, std] = w.transformInput ? [[0.5, 0.5, 0.5], [0.5, 0.5, 0.5]] : [w.mean, w.std];
  return { resize: w.resize, crop: w.crop, interpolation: w.interpolation, mean, std, channels: 3, resample: 'pil' };
}

export interface CacheDirs {
  /** $CONVNETS_HOME/weights, else $XDG_CACHE_HOME/convnets/weights, else ~/.cache/convnets/weights: downloads go here. */
  convnets: string;
  /** torch.hub's checkpoint folder: $TORCH_HOME/hub/checkpoints, else $XDG_CACHE_HOME/torch/..., else ~/.cache/torch/... */
  torch: string;
}

export function cacheDirs(env: NodeJS.ProcessEnv = process.env): CacheDirs {
  const cache = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return {
    convnets: path.join(env.CONVNETS_HOME || path.join(cache, 'convnets'), 'weights'),
    torch: path.join(env.TORCH_HOME || path.join(cache, 'torch'), 'hub', 'checkpoints'),
  };
}

/** SHA-256 of a file, hex, streamed. */
export async function sha256File(file: string): Promise<string> {
  const h = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

/**
 * Checks `file` against the weights' hash prefix, remembering a success in a stamp next to our cache
 * (size + mtime), so a 500 MB file is hashed once, not on every run.
 */
async function verified(file: string, w: WeightsRecord, dirs: CacheDirs): Promise<boolean> {
  const st = fs.statSync(file);
  if (!st.isFile()) return false;
  const stamp = path.join(dirs.convnets, `.${w.file}.verified`);
  const key = JSON.stringify({ path: path.resolve(file), size: st.size, mtimeMs: st.mtimeMs });
  try { if (fs.readFileSync(stamp, 'utf8') === key) return true; } catch { /* no stamp yet */ }
  const digest = await sha256File(file);
  if (!digest.startsWith(w.sha256)) return false;
  try { fs.mkdirSync(dirs.convnets, { recursive: true }); fs.writeFileSync(stamp, key); } catch { /* a read-only cache still works */ }
  return true;
}

export interface EnsureOptions {
  /** Download when absent (default true; false, or CONVNETS_OFFLINE=1, only looks). */
  download?: boolean;
  /** Cache folders (default cacheDirs()). */
  dirs?: CacheDirs;
  /** Address to fetch from (default the published one; tests use a local server). */
  url?: string;
  /** Progress bar on stderr (default: when stderr is a terminal). */
  progress?: boolean;
  /** Attempts for an interrupted download, each resuming where the last stopped (default 4). */
  attempts?: number;
}

function placeHint(w: WeightsRecord, dirs: CacheDirs): string {
  return `download ${WEIGHTS_BASE_URL}${w.file} and put it at ${path.join(dirs.convnets, w.file)} ` +
    `(or ${path.join(dirs.torch, w.file)}, torch's cache), or pass the file itself to --weights`;
}

/** The local path of the weights: found in a cache folder (hash-checked) or downloaded there. */
export async function ensureWeights(w: WeightsRecord, opts: EnsureOptions = {}): Promise<string> {
  const dirs = opts.dirs ?? cacheDirs();
  const candidates = [w.file, ...(w.aliases ?? [])].flatMap((f) => [path.join(dirs.convnets, f), path.join(dirs.torch, f)]);
  for (const f of candidates) {
    if (!fs.existsSync(f)) continue;
    if (await verified(f, w, dirs)) return f;
    throw new ConvnetsError(`${f}: SHA-256 does not start with ${w.sha256} (the ${w.model} ${w.name} file is corrupt or another file); delete it to download again`);
  }
  const offline = opts.download === false || process.env.CONVNETS_OFFLINE === '1';
  if (offline) throw new ConvnetsError(`${w.model} ${w.name} weights are not in the cache (offline): ${placeHint(w, dirs)}`);
  const dest = path.join(dirs.convnets, w.file);
  try {
    fs.mkdirSync(dirs.convnets, { recursive: true });
  } catch (e) {
    throw new ConvnetsError(`cannot create the weights folder ${dirs.convnets} (${(e as NodeJS.ErrnoException).code}); set CONVNETS_HOME, or ${placeHint(w, dirs)}`);
  }
  await downloadFile(opts.url ?? WEIGHTS_BASE_URL + w.file, dest, {
    sha256Prefix: w.sha256, progress: opts.progress ?? process.stderr.isTTY === true, attempts: opts.attempts ?? 4,
    hint: placeHint(w, dirs),
  });
  await verified(dest, w, dirs); // records the stamp
  return dest;
}

export interface DownloadOptions {
  /** Required hex prefix of the file's SHA-256. */
  sha256Prefix?: string;
  progress?: boolean;
  attempts?: number;
  /** Appended to network errors: what to do without a network. */
  hint?: string;
  /** Idle socket timeout (ms, default 30 s). */
  timeoutMs?: number;
}

const NETWORK_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ENETUNREACH', 'EHOSTUNREACH', 'ETIMEDOUT', 'ECONNRESET', 'EPIPE']);

class HttpStatus extends Error { constructor(readonly status: number, readonly url: string) { super(`HTTP ${status}`); } }

/** One GET from `offset`, appended to `part`; resolves with the total size once the response ends complete. */
function fetchOnce(url: string, part: string, offset: number, o: DownloadOptions, redirects = 0): Promise<void> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const get = u.protocol === 'https:' ? https.get : u.protocol === 'http:' ? http.get : null;
    if (!get) { reject(new ConvnetsError(`download ${url}: only http(s) addresses are fetched`)); return; }
    const req = get(u, { headers: offset > 0 ? { Range: `bytes=${offset}-` } : {}, timeout: o.timeoutMs ?? 30_000 }, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume();
        if (redirects >= 5) { reject(new ConvnetsError(`download ${url}: too many redirects`)); return; }
        fetchOnce(new URL(res.headers.location, u).toString(), part, offset, o, redirects + 1).then(resolve, reject);
        return;
      }
      if (status === 416 && offset > 0) { res.resume(); resolve(); return; } // the part file is already complete
      if (status !== 200 && status !== 206) { res.resume(); reject(new HttpStatus(status, url)); return; }
      let start = 0;
      if (status === 206) {
        const m = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(String(res.headers['content-range'] ?? ''));
        start = m ? Number(m[1]) : -1;
        if (start !== offset) { res.resume(); reject(new ConvnetsError(`download ${url}: server resumed at ${start}, asked ${offset}`)); return; }
      }
      const length = Number(res.headers['content-length'] ?? NaN);
      const total = Number.isFinite(length) ? start + length : NaN;
      const out = fs.createWriteStream(part, { flags: start > 0 ? 'a' : 'w' });
      let got = start; let last = 0; const t0 = Date.now();
      res.on('data', (c: Buffer) => {
        got += c.length;
        if (o.progress && Date.now() - last > 100) {
          last = Date.now();
          const mb = (n: number): string => (n / 1e6).toFixed(1);
          const rate = (got - start) / 1e6 / Math.max(1e-3, (Date.now() - t0) / 1000);
          const pct = Number.isFinite(total) ? `${((100 * got) / total).toFixed(0).padStart(3)}% ` : '';
          process.stderr.write(`\r  ${pct}${mb(got)}${Number.isFinite(total) ? `/${mb(total)}` : ''} MB  ${rate.toFixed(1)} MB/s `);
        }
      });
      const fail = (e: Error): void => { out.destroy(); reject(e); };
      res.on('aborted', () => fail(Object.assign(new Error('connection closed mid-transfer'), { code: 'ECONNRESET' })));
      res.on('error', fail);
      out.on('error', fail);
      res.pipe(out);
      out.on('finish', () => {
        if (o.progress) process.stderr.write('\n');
        if (Number.isFinite(total) && got !== total) reject(Object.assign(new Error(`got ${got} of ${total} bytes`), { code: 'ECONNRESET' }));
        else resolve();
      });
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('no data for too long'), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
  });
}

/**
 * Downloads `url` to `dest`: into `dest.part` (resumed with a Range request after an interruption, also
 * across runs), hash-checked, then renamed into place, so `dest` is either absent or complete and right.
 */
export async function downloadFile(url: string, dest: string, o: DownloadOptions = {}): Promise<void> {
  const part = `${dest}.part`;
  const attempts = Math.max(1, o.attempts ?? 4);
  for (let i = 1; ; i++) {
    const have = fs.existsSync(part) ? fs.statSync(part).size : 0;
    try {
      await fetchOnce(url, part, have, o);
      break;
    } catch (e) {
      if (e instanceof HttpStatus) {
        throw new ConvnetsError(`download ${url}: HTTP ${e.status}${e.status === 404 ? ' (no such file on the server)' : ''}${o.hint ? `; ${o.hint}` : ''}`);
      }
      if (e instanceof ConvnetsError) throw e;
      const code = (e as NodeJS.ErrnoException).code ?? '';
      if (i >= attempts || !NETWORK_CODES.has(code) || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'ECONNREFUSED') {
        const kept = fs.existsSync(part) ? ` (${fs.statSync(part).size} bytes kept in ${part}; the next run resumes)` : '';
        throw new ConvnetsError(`download ${url}: ${(e as Error).message}${code ? ` [${code}]` : ''}${kept}${o.hint ? `; without a network: ${o.hint}` : ''}`);
      }
      await new Promise((r) => setTimeout(r, 200 * i));
    }
  }
  if (o.sha256Prefix) {
    const digest = await sha256File(part);
    if (!digest.startsWith(o.sha256Prefix)) {
      fs.rmSync(part, { force: true });
      throw new ConvnetsError(`download ${url}: SHA-256 ${digest.slice(0, 16)}... does not start with ${o.sha256Prefix}; the file was discarded`);
    }
  }
  const fd = fs.openSync(part, 'r+');
  try { fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
  fs.renameSync(part, dest);
  try { const d = fs.openSync(path.dirname(dest), 'r'); try { fs.fsyncSync(d); } finally { fs.closeSync(d); } } catch { /* not every platform syncs a directory */ }
}
