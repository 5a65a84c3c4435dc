// Host side of assembly/gemm.ts: the indirect GEMM that serves the conv2d, pwconv2d and dense families
// (forward and backward data through igemm, filter gradients through convBwdFilter). The families pick
// the mode (core has already picked the family); packed weights are cached per filter buffer and
// direction while the filter and bias are unchanged.
import type { Buf, Conv2dParams, KernelName } from '../../../core/backend.js';
import { checkKernelParams } from '../../../core/params.js';
import type { EnumMember } from '../../../core/abi.js';
import type { PackEntry, WasmBuffer, WasmRuntime } from '../runtime.js';

const MB = 32, MC = 64;      // row blocks of igemm / convBwdFilter (assembly/gemm.ts)

type GemmMode = EnumMember<'gemmMode'>;

function packedFloats(p: Conv2dParams, fwd: boolean, KK: number): number {
  const cpg = p.inC / p.groups, opg = p.outC / p.groups;
  const K = fwd ? cpg : opg, cols = fwd ? opg : cpg;
  return p.groups * Math.ceil(cols / 8) * (8 + KK * K * 8);
}

/** The packed-weight entry of filter `w` for one direction, (re)allocated to hold `floats`; fresh = still valid. */
function packFor(rt: WasmRuntime, w: WasmBuffer, dir: string, key: string, floats: number, bias: WasmBuffer | null): { pack: WasmBuffer; fresh: boolean } {
  let byDir = rt.packs.get(w);
  if (!byDir) { byDir = new Map(); rt.packs.set(w, byDir); }
  let e: PackEntry | undefined = byDir.get(dir);
  let fresh = !!e && e.key === key && e.version === w.version && e.bias === bias && e.biasVersion === (bias ? bias.version : 0);
  if (!e || e.pack.length < floats) {
    if (e) rt.release(e.pack.offset, e.pack.bytes);
    e = { key, version: -1, bias: null, biasVersion: 0, pack: rt.rawBuffer(floats) };
    byDir.set(dir, e);
    fresh = false;
  }
  e.key = key; e.version = w.version; e.bias = bias; e.biasVersion = bias ? bias.version : 0;
  return { pack: e.pack, fresh };
}

/**
 * Forward or backward data: C = A (*) W through the indirect GEMM. Forward modes read x and write y
 * (with bias and the fused activation); backward-data modes read dy and write dx.
 */
export function igemm(rt: WasmRuntime, kernel: string, p: Conv2dParams, mode: GemmMode, a: WasmBuffer, w: WasmBuffer,
  bias: WasmBuffer | null, c: WasmBuffer): void {
  // Few input channels, dilation-1 rows (stems): merge each kernel row into one tap of kW*inC floats.
  if (mode === 'convForward' && p.groups === 1 && p.dilationW === 1 && p.inC <= 16 && p.kW > 1) mode = 'rowTapForward';
  const direct = mode === 'directForward' || mode === 'directBackwardData';
  const KK = direct ? 1 : p.kH * p.kW;
  const fwd = mode === 'convForward' || mode === 'directForward' || mode === 'rowTapForward';
  const floats = packedFloats(p, fwd, KK);
  const { pack, fresh } = packFor(rt, w, fwd ? 'f' : 'b', `${p.groups},${p.inC},${p.outC},${KK}`, floats, bias);
  const rowsM = fwd ? p.n * p.outH * p.outW : p.n * p.inH * p.inW;
  const nt = rt.nt(rowsM * KK * (p.inC / p.groups) * p.outC);
  // Pointer table per thread; row-tap adds a staging area for border windows (MB rows x kH segments of kW*inC).
  const scrT = mode === 'rowTapForward' ? MB * KK * 4 + MB * p.kH * p.kW * p.inC * 4 : MB * KK * 4;
  const ptrs = rt.scr('ptr', (scrT * nt) / 4);
  const zero = rt.scr('zero', Math.max(p.inC * p.kW, p.outC, p.inC) + 16);
  rt.params(kernel, 'conv', {
    ...p, activation: fwd ? p.activation : undefined, mode, hasBias: bias !== null, scrT, ntu: nt,
    a: a.offset, w: w.offset, bias: bias?.offset, c: c.offset, pack: pack.offset, scr: ptrs.offset, zero: zero.offset,
  });
  if (!fresh) rt.run('igemmPack', rt.nt(floats * 8));
  rt.run('igemm', nt);
}

/** Filter (and bias) gradient: dw = x^T (*) dy; `direct` for 1x1 unstrided rows (pointwise, dense). */
export function gemmBackwardFilter(rt: WasmRuntime, kernel: string, p: Conv2dParams, direct: boolean, x: WasmBuffer, dy: WasmBuffer,
  dw: WasmBuffer, db: WasmBuffer | null): void {
  const KK = direct ? 1 : p.kH * p.kW;
  const cpg = p.inC / p.groups, opg = p.outC / p.groups;
  const cB = Math.ceil(cpg / 4), oB = Math.ceil(opg / 8);
  const tiles = p.groups * KK * cB * oB;
  const M = p.n * p.outH * p.outW;
  const flops = M * KK * cpg * p.outC;
  const mode: GemmMode = direct ? 'directForward' : 'convForward';
  const args = { ...p, activation: undefined, mode, hasBias: db !== null, a: x.offset, c: dy.offset, w: dw.offset, db: db?.offset };
  if (direct && M <= 2 * MC) {
    // Few rows (dense at small batch): outer-product updates beat packing panels.
    rt.params(kernel, 'conv', { ...args, scrT: 0, ntu: 1 });
    rt.run('denseBwdFilterSmall', Math.min(p.outC, rt.nt(flops)));
    return;
  }
  const nt = Math.min(rt.nt(flops), Math.ceil(M / MC));
  const dwt = rt.scr('dwt', (tiles * 32 + p.groups * oB * 8) * nt);
  const scrT = MC * KK * 4 + KK * cB * MC * 16 + oB * MC * 32;
  const ptrs = rt.scr('ptr', (scrT * nt) / 4);
  const zero = rt.scr('zero', Math.max(p.inC, p.outC) + 16);
  rt.params(kernel, 'conv', { ...args, dwt: dwt.offset, scr: ptrs.offset, zero: zero.offset, scrT, ntu: nt });
  rt.run('convBwdFilter', nt);
  rt.run('convBwdFilterFinish', rt.nt(tiles * 32 * nt));
}

/** Element counts of a conv's x, w and y. */
export function convSizes(p: Conv2dParams): { x: number; w: number; y: number } {
  return { x: p.n * p.inH * p.inW * p.inC, w: p.outC * p.kH * p.kW * (p.inC / p.groups), y: p.n * p.outH * p.outW * p.outC };
}

/**
 * The three kernels of a GEMM-served conv family: conv2d (indirect: pointer tables over the window) or
 * pwconv2d (direct: the rows themselves). The families differ only in that choice of mode.
 */
export function gemmConvFamily(family: 'conv2d' | 'pwconv2d') {
  const direct = family === 'pwconv2d';
  const kd = `${family}BackwardData` as KernelName, kf = `${family}BackwardFilter` as KernelName;
  return {
    forward(rt: WasmRuntime, p: Conv2dParams, x: Buf, w: Buf, bias: Buf | null, y: Buf): void {
      checkKernelParams(family, p);
      const s = convSizes(p);
      igemm(rt, family, p, direct ? 'directForward' : 'convForward', rt.buf(family, 'x', x, s.x), rt.buf(family, 'w', w, s.w),
        rt.opt(family, 'bias', bias, p.outC), rt.out(family, 'y', y, s.y));
    },
    backwardData(rt: WasmRuntime, p: Conv2dParams, dy: Buf, w: Buf, dx: Buf): void {
      checkKernelParams(kd, p);
      const s = convSizes(p);
      igemm(rt, kd, p, direct ? 'directBackwardData' : 'convBackwardData', rt.buf(kd, 'dy', dy, s.y), rt.buf(kd, 'w', w, s.w), null,
        rt.out(kd, 'dx', dx, s.x));
    },
    backwardFilter(rt: WasmRuntime, p: Conv2dParams, x: Buf, dy: Buf, dw: Buf, dbias: Buf | null): void {
      checkKernelParams(kf, p);
      const s = convSizes(p);
      gemmBackwardFilter(rt, kf, p, direct, rt.buf(kf, 'x', x, s.x), rt.buf(kf, 'dy', dy, s.y), rt.out(kf, 'dw', dw, s.w),
        rt.opt(kf, 'dbias', dbias, p.outC, true));
    },
  };
}
