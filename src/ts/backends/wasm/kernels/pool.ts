// Max / average pooling (forward splits output rows, backward splits channels: no shared writes) and
// torch's adaptive average pool with uneven, possibly overlapping windows.
import type { AdaptivePool2dParams, Buf, Pool2dParams } from '../../../core/backend.js';
import { checkKernelParams } from '../../../core/params.js';
import type { WasmRuntime } from '../runtime.js';

const sizes = (p: Pool2dParams | AdaptivePool2dParams) => ({ x: p.n * p.inH * p.inW * p.c, y: p.n * p.outH * p.outW * p.c });

function forward(rt: WasmRuntime, K: 'maxPool2d' | 'avgPool2d', p: Pool2dParams, x: Buf, y: Buf): void {
  checkKernelParams(K, p);
  const s = sizes(p);
  rt.params(K, 'pool', { ...p, mode: K === 'maxPool2d' ? 'max' : 'avg', x: rt.buf(K, 'x', x, s.x).offset, y: rt.out(K, 'y', y, s.y).offset });
  rt.run('poolForward', Math.min(p.n * p.outH, rt.nt(s.y * p.kH * p.kW)));
}

export function maxPool2d(rt: WasmRuntime, p: Pool2dParams, x: Buf, y: Buf): void { forward(rt, 'maxPool2d', p, x, y); }
export function avgPool2d(rt: WasmRuntime, p: Pool2dParams, x: Buf, y: Buf): void { forward(rt, 'avgPool2d', p, x, y); }

export function maxPool2dBackward(rt: WasmRuntime, p: Pool2dParams, x: Buf, dy: Buf, dx: Buf): void {
  const K = 'maxPool2dBackward';
  checkKernelParams(K, p);
  const s = sizes(p);
  rt.params(K, 'pool', { ...p, mode: 'max', x: rt.buf(K, 'x', x, s.x).offset, dy: rt.buf(K, 'dy', dy, s.y).offset, dx: rt.out(K, 'dx', dx, s.x).offset });
  rt.run('poolBackward', Math.min(p.c, rt.nt(s.y * p.kH * p.kW)));
}

export function avgPool2dBackward(rt: WasmRuntime, p: Pool2dParams, dy: Buf, dx: Buf): void {
  const K = 'avgPool2dBackward';
  checkKernelParams(K, p);
  const s = sizes(p);
  rt.params(K, 'pool', { ...p, mode: 'avg', dy: rt.buf(K, 'dy', dy, s.y).offset, dx: rt.out(K, 'dx', dx, s.x).offset });
  rt.run('poolBackward', Math.min(p.c, rt.nt(s.y * p.kH * p.kW)));
}

/** Largest window of an adaptive pool along one axis: ceil(in / out) + 1 bounds it. */
const windowWork = (p: AdaptivePool2dParams) => (Math.ceil(p.inH / p.outH) + 1) * (Math.ceil(p.inW / p.outW) + 1);

export function adaptiveAvgPool2d(rt: WasmRuntime, p: AdaptivePool2dParams, x: Buf, y: Buf): void {
  const K = 'adaptiveAvgPool2d';
  checkKernelParams(K, p);
  const s = sizes(p);
  rt.params(K, 'adaptivePool', { ...p, x: rt.buf(K, 'x', x, s.x).offset, y: rt.out(K, 'y', y, s.y).offset });
  rt.run('adaptiveForward', Math.min(p.n * p.outH, rt.nt(s.y * windowWork(p))));
}

export function adaptiveAvgPool2dBackward(rt: WasmRuntime, p: AdaptivePool2dParams, dy: Buf, dx: Buf): void {
  const K = 'adaptiveAvgPool2dBackward';
  checkKernelParams(K, p);
  const s = sizes(p);
  rt.params(K, 'adaptivePool', { ...p, dy: rt.buf(K, 'dy', dy, s.y).offset, dx: rt.out(K, 'dx', dx, s.x).offset });
  rt.run('adaptiveBackward', Math.min(p.c, rt.nt(s.y * windowWork(p) + s.x)));
}
