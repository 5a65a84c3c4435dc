// Optimiser updates as kernels (parameters never leave the backend): SGD with momentum, AdamW.
import type { AdamWParams, Buf, SgdParams } from '../../../core/backend.js';
import { checkKernelParams } from '../../../core/params.js';
import type { WasmRuntime } from '../runtime.js';

export function sgdUpdate(rt: WasmRuntime, p: SgdParams, param: Buf, grad: Buf, velocity: Buf): void {
  const K = 'sgdUpdate';
  checkKernelParams(K, p);
  rt.params(K, 'sgd', {
    ...p, param: rt.out(K, 'param', param, p.length).offset, grad: rt.buf(K, 'grad', grad, p.length).offset,
    velocity: rt.out(K, 'velocity', velocity, p.length).offset,
  });
  rt.run('sgdUpdate', rt.nt(p.length * 4));
}

export function adamwUpdate(rt: WasmRuntime, p: AdamWParams, param: Buf, grad: Buf, m: Buf, v: Buf): void {
  const K = 'adamwUpdate';
  checkKernelParams(K, p);
  rt.params(K, 'adamw', {
    ...p, bc1: 1 - Math.pow(p.beta1, p.step), sqrtBc2: Math.sqrt(1 - Math.pow(p.beta2, p.step)),
    param: rt.out(K, 'param', param, p.length).offset, grad: rt.buf(K, 'grad', grad, p.length).offset,
    m: rt.out(K, 'm', m, p.length).offset, v: rt.out(K, 'v', v, p.length).offset,
  });
  rt.run('adamwUpdate', rt.nt(p.length * 8));
}
