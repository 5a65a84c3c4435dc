// Worker pool over one shared WebAssembly.Memory, for Node (worker_threads) and browsers (Web Workers):
// the platform spawns the workers, this file is the protocol. A call is synchronous for the caller: it
// bumps a sequence number in a small shared control block, runs its own share (thread 0) and waits with
// Atomics.wait until every worker has reported (so the caller must be allowed to block: never a
// browser's main thread). Workers spin briefly before sleeping, so back-to-back kernels do not pay a
// futex wake-up each.
import type { ThreadPoolLike } from './runtime.js';

// Control block (Int32 slots).
const SEQ = 0, KERNEL = 1, NT = 2, DONE = 3, ERR = 4, EXIT = 5;
const SPIN = 20000;

/** What every worker receives once: the compiled module, the memory, the control block, its index. */
export interface WorkerInit {
  module: WebAssembly.Module; memory: WebAssembly.Memory; control: SharedArrayBuffer; tid: number; names: string[];
}

/**
 * The worker's loop as source text: `init` is an expression (evaluated in the worker) giving a
 * WorkerInit, `ready()` a statement telling the parent the module is instantiated.
 */
export function workerLoop(init: string, ready: string): string {
  return `
const { module, memory, control, tid, names } = ${init};
const ctl = new Int32Array(control);
const inst = new WebAssembly.Instance(module, { env: { memory } });
const fns = names.map((n) => inst.exports[n]);
let seq = Atomics.load(ctl, ${SEQ});
${ready};
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
}

/** A started worker: resolves `ready` once instantiated; terminate() ends it. */
export interface WorkerHandle { ready: Promise<void>; terminate(): void; }

export class ThreadPool implements ThreadPoolLike {
  private readonly ctl = new Int32Array(new SharedArrayBuffer(64));
  private workers: WorkerHandle[] = [];

  private constructor(readonly size: number) {}

  /** Starts size - 1 workers (the caller is thread 0); resolves once every one has instantiated the module. */
  static async start(size: number, module: WebAssembly.Module, memory: WebAssembly.Memory, names: readonly string[],
    spawn: (init: WorkerInit) => WorkerHandle): Promise<ThreadPool> {
    const pool = new ThreadPool(size);
    for (let tid = 1; tid < size; tid++) {
      pool.workers.push(spawn({ module, memory, control: pool.ctl.buffer as SharedArrayBuffer, tid, names: [...names] }));
    }
    try {
      await Promise.all(pool.workers.map((w) => w.ready));
    } catch (e) {
      pool.closeNow();
      throw e;
    }
    return pool;
  }

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

  /** Signals exit, then terminates the workers without waiting. */
  closeNow(): void {
    Atomics.store(this.ctl, EXIT, 1);
    Atomics.add(this.ctl, SEQ, 1);
    Atomics.notify(this.ctl, SEQ);
    for (const w of this.workers) w.terminate();
    this.workers = [];
  }
}
