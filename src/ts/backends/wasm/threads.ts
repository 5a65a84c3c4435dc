// Worker pool over one shared WebAssembly.Memory. A call is synchronous for the caller: it bumps a
// sequence number in a small shared control block, runs its own share (thread 0) and then waits with
// Atomics.wait until every worker has reported. Workers spin briefly before sleeping, so back-to-back
// kernels do not pay a futex wake-up each. The worker source is inlined (eval) so it runs the same from
// src/ under tap's TypeScript loader and from the compiled dist/.
import { Worker } from 'node:worker_threads';

// Control block (Int32 slots).
const SEQ = 0, KERNEL = 1, NT = 2, DONE = 3, ERR = 4, EXIT = 5;
const SPIN = 20000;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { module, memory, control, tid, names } = workerData;
const ctl = new Int32Array(control);
const inst = new WebAssembly.Instance(module, { env: { memory } });
const fns = names.map((n) => inst.exports[n]);
let seq = Atomics.load(ctl, ${SEQ});
parentPort.postMessage('ready');
for (;;) {
  let spins = 0;
  while (Atomics.load(ctl, ${SEQ}) === seq) {
    if (++spins > ${SPIN}) { Atomics.wait(ctl, ${SEQ}, seq); spins = 0; }
  }
  seq = Atomics.load(ctl, ${SEQ});
  if (Atomics.load(ctl, ${EXIT}) !== 0) break;
  const nt = Atomics.load(ctl, ${NT});
  if (tid < nt) {
    try { fns[Atomics.load(ctl, ${KERNEL})](tid, nt); } catch (e) { Atomics.store(ctl, ${ERR}, 1); }
    Atomics.add(ctl, ${DONE}, 1);
    Atomics.notify(ctl, ${DONE});
  }
}
`;

export class ThreadPool {
  private readonly ctl = new Int32Array(new SharedArrayBuffer(64));
  private workers: Worker[] = [];

  private constructor(readonly size: number) {}

  /** Starts size - 1 workers (the caller is thread 0); resolves once every one has instantiated the module. */
  static async start(size: number, module: WebAssembly.Module, memory: WebAssembly.Memory, names: readonly string[]): Promise<ThreadPool> {
    const pool = new ThreadPool(size);
    const ready: Promise<void>[] = [];
    for (let tid = 1; tid < size; tid++) {
      const w = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { module, memory, control: pool.ctl.buffer, tid, names: [...names] },
      });
      w.unref(); // an idle pool never keeps the process alive
      pool.workers.push(w);
      ready.push(new Promise((resolve, reject) => {
        w.once('message', () => resolve());
        w.once('error', reject);
      }));
    }
    try {
      await Promise.all(ready);
    } catch (e) {
      await pool.close();
      throw e;
    }
    return pool;
  }

  /** Runs fn on thread 0 and kernel index `k` on workers 1..nt-1; returns when all are done. */
  run(k: number, nt: number, fn: (tid: number, nt: number) => void): void {
    const ctl = this.ctl;
    Atomics.store(ctl, KERNEL, k);
    Atomics.store(ctl, NT, nt);
    Atomics.store(ctl, DONE, 0);
    Atomics.store(ctl, ERR, 0);
    Atomics.add(ctl, SEQ, 1);
    Atomics.notify(ctl, SEQ);
    let err: unknown = null;
    try { fn(0, nt); } catch (e) { err = e; }
    const want = nt - 1;
    let spins = 0;
    for (;;) {
      const d = Atomics.load(ctl, DONE);
      if (d >= want) break;
      if (++spins > SPIN) Atomics.wait(ctl, DONE, d, 50);
    }
    if (err) throw err;
    if (Atomics.load(ctl, ERR) !== 0) throw new Error('a wasm worker thread trapped');
  }

  async close(): Promise<void> {
    Atomics.store(this.ctl, EXIT, 1);
    Atomics.add(this.ctl, SEQ, 1);
    Atomics.notify(this.ctl, SEQ);
    const ws = this.workers;
    this.workers = [];
    await Promise.all(ws.map((w) => w.terminate().catch(() => 0)));
  }

  /** Synchronous shutdown for dispose(): signal exit, then terminate without awaiting. */
  closeNow(): void {
    Atomics.store(this.ctl, EXIT, 1);
    Atomics.add(this.ctl, SEQ, 1);
    Atomics.notify(this.ctl, SEQ);
    for (const w of this.workers) void w.terminate().catch(() => 0);
    this.workers = [];
  }
}
