// Test harness worker: owns a wasm (or js) backend and answers {id, fn, args} messages with
// {id, ok, value | error}. The tests drive it through harness.html's window.rpc().
import * as cn from '/dist/src/ts/browser.js';
import { forwardLogits, trainLosses } from './checks.js';
import { wasmBackend } from '../backend.js';

let backend = null;

const fns = {
  async init({ name = 'wasm', threads = 1 } = {}) {
    backend?.dispose?.();
    backend = null;
    backend = name === 'wasm' ? await wasmBackend(cn, { threads }) : await cn.initBackend(name);
    return { name: backend.name, info: backend.info ? backend.info() : null, crossOriginIsolated: self.crossOriginIsolated };
  },
  forward: (args) => forwardLogits(cn, args),
  train: (args) => trainLosses(cn, args),
};

self.onmessage = async (e) => {
  const { id, fn, args } = e.data;
  try {
    if (!fns[fn]) throw new Error(`harness: unknown function '${fn}'`);
    self.postMessage({ id, ok: true, value: await fns[fn](args) });
  } catch (err) {
    self.postMessage({ id, ok: false, error: `${err?.name ?? 'Error'}: ${err?.message ?? String(err)}` });
  }
};
self.postMessage({ ready: true });
