// Depthwise convolution (groups = inC, any multiplier): channel-tiled kernels in assembly/dwconv2d.ts.
import type { Buf, Conv2dParams } from '../../../core/backend.js';
import { checkKernelParams } from '../../../core/params.js';
import type { WasmRuntime } from '../runtime.js';
import { convSizes } from './gemm.js';

/** Packed taps (multiplier 1) and per-thread tap lists. */
function scratch(rt: WasmRuntime, p: Conv2dParams): { pack: number; scr: number; scrT: number } {
  const KK = p.kH * p.kW, Cp = Math.ceil(p.outC / 16) * 16;
  return { pack: rt.scr('pack', KK * Cp + 16).offset, scr: rt.scr('ptr', (KK * 16 * rt.threads) / 4 + 4).offset, scrT: KK * 16 };
}

const work = (p: Conv2dParams): number => p.n * p.outH * p.outW * p.outC * p.kH * p.kW;

export function dwconv2d(rt: WasmRuntime, p: Conv2dParams, x: Buf, w: Buf, bias: Buf | null, y: Buf): void {
  const K = 'dwconv2d';
  checkKernelParams(K, p);
  const s = convSizes(p);
  const bb = rt.opt(K, 'bias', bias, p.outC);
  rt.params(K, 'conv', {
    ...p, ...scratch(rt, p), mode: 'convForward', ntu: 1, hasBias: bb !== null,
    a: rt.buf(K, 'x', x, s.x).offset, w: rt.buf(K, 'w', w, s.w).offset, bias: bb?.offset, c: rt.out(K, 'y', y, s.y).offset,
  });
  if (p.outC === p.inC) rt.run('dwPack', 1);
  rt.run('dwForward', rt.nt(work(p)));
}

export function dwconv2dBackwardData(rt: WasmRuntime, p: Conv2dParams, dy: Buf, w: Buf, dx: Buf): void {
  const K = 'dwconv2dBackwardData';
  checkKernelParams(K, p);
  const s = convSizes(p);
  rt.params(K, 'conv', {
    ...p, ...scratch(rt, p), activation: undefined, mode: 'convForward', ntu: 1,
    a: rt.buf(K, 'dy', dy, s.y).offset, w: rt.buf(K, 'w', w, s.w).offset, c: rt.out(K, 'dx', dx, s.x).offset,
  });
  if (p.outC === p.inC) rt.run('dwPack', 1);
  rt.run('dwBackwardData', rt.nt(work(p)));
}

export function dwconv2dBackwardFilter(rt: WasmRuntime, p: Conv2dParams, x: Buf, dy: Buf, dw: Buf, dbias: Buf | null): void {
  const K = 'dwconv2dBackwardFilter';
  checkKernelParams(K, p);
  const s = convSizes(p);
  const KK = p.kH * p.kW, Cp = Math.ceil(p.outC / 16) * 16;
  const db = rt.opt(K, 'dbias', dbias, p.outC, true);
  rt.params(K, 'conv', {
    ...p, activation: undefined, mode: 'convForward', ntu: 1, scrT: 0, hasBias: db !== null,
    a: rt.buf(K, 'x', x, s.x).offset, c: rt.buf(K, 'dy', dy, s.y).offset, w: rt.out(K, 'dw', dw, s.w).offset,
    dwt: rt.scr('dwt', (KK + 1) * Cp + 16).offset, db: db?.offset,
  });
  rt.run('dwBackwardFilter', Math.min(rt.nt(work(p)), Cp / 16));
}
