// Concat / split along channels: a strided row copy of one input into its channel slice (or back).
import { pu, pi, split } from './memory';
import { CONCAT_PART_OFFSET, CONCAT_PART_PART, CONCAT_PART_PART_C, CONCAT_PART_ROWS, CONCAT_PART_SPLIT, CONCAT_PART_TOTAL_C, CONCAT_PART_WHOLE } from './abi';

// Parameter block: layout 'concatPart' of the ABI schema (assembly/abi.ts).
export function concatPart(tid: i32, nt: i32): void {
  const part = pu(CONCAT_PART_PART), whole = pu(CONCAT_PART_WHOLE), rows = pi(CONCAT_PART_ROWS), pc = pi(CONCAT_PART_PART_C), tc = pi(CONCAT_PART_TOTAL_C), off = pi(CONCAT_PART_OFFSET), dir = pi(CONCAT_PART_SPLIT);
  const r0 = split(rows, tid, nt), r1 = split(rows, tid + 1, nt);
  const bytes = <usize>pc << 2;
  for (let r = r0; r < r1; r++) {
    const p = part + <usize>r * bytes, w = whole + (<usize>(r * tc + off) << 2);
    if (dir == 0) memory.copy(w, p, bytes); else memory.copy(p, w, bytes);
  }
}
