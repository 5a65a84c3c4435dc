// Concat / split along channels: a strided row copy of one input into its channel slice (or back).
import { pu, pi, split } from './memory';

// Params: 0 part, 1 whole; 16 rows, 17 partC, 18 totalC, 19 offset, 20 dir (0 concat, 1 split).
export function concatPart(tid: i32, nt: i32): void {
  const part = pu(0), whole = pu(1), rows = pi(16), pc = pi(17), tc = pi(18), off = pi(19), dir = pi(20);
  const r0 = split(rows, tid, nt), r1 = split(rows, tid + 1, nt);
  const bytes = <usize>pc << 2;
  for (let r = r0; r < r1; r++) {
    const p = part + <usize>r * bytes, w = whole + (<usize>(r * tc + off) << 2);
    if (dir == 0) memory.copy(w, p, bytes); else memory.copy(p, w, bytes);
  }
}
