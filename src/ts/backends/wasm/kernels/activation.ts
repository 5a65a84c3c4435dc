// Pointwise activations and their gradients (SIMD where the function allows, scalar for exp/erf ones).
import type { ActivationKind, Buf } from '../../../core/backend.js';
import { checkKernelParams } from '../../../core/params.js';
import type { WasmRuntime } from '../runtime.js';

export function activation(rt: WasmRuntime, kind: ActivationKind, length: number, x: Buf, y: Buf): void {
  const K = 'activation';
  checkKernelParams(K, { length });
  rt.params(K, 'activation', { kind, length, x: rt.buf(K, 'x', x, length).offset, y: rt.out(K, 'y', y, length).offset });
  rt.run('actForward', rt.nt(length * 4));
}

export function activationBackward(rt: WasmRuntime, kind: ActivationKind, length: number, x: Buf, y: Buf, dy: Buf, dx: Buf): void {
  const K = 'activationBackward';
  checkKernelParams(K, { length });
  rt.params(K, 'activation', {
    kind, length, x: rt.buf(K, 'x', x, length).offset, y: rt.buf(K, 'y', y, length).offset,
    dy: rt.buf(K, 'dy', dy, length).offset, dx: rt.out(K, 'dx', dx, length).offset,
  });
  rt.run('actBackward', rt.nt(length * 4));
}
