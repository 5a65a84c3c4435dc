// The concat family: concat and split along channels (each is the other's gradient).
import { Gen, caseLists, withBufs } from './lib/harness.js';
import type { BufSpec, Family, KernelCase } from './lib/harness.js';
import type { GradCheckSpec } from './lib/gradcheck.js';

interface ConcatCase { name: string; rows: number; channels: number[]; }

const small: ConcatCase[] = [
  { name: '3 parts [3,1,5]', rows: 189, channels: [3, 1, 5] },
  { name: '2 parts [8,16]', rows: 6, channels: [8, 16] },
  { name: '1 part', rows: 5, channels: [4] },
];

function cases(): KernelCase[] {
  return small.flatMap((c, i): KernelCase[] => {
    const g = new Gen(12000 + i);
    const p = { rows: c.rows, channels: c.channels };
    const total = c.channels.reduce((a, b) => a + b, 0);
    const parts: Record<string, BufSpec> = {};
    const outs: Record<string, BufSpec> = {};
    c.channels.forEach((ch, j) => { parts[`in${j}`] = g.normal(c.rows * ch); outs[`out${j}`] = c.rows * ch; });
    const keys = c.channels.map((_, j) => j);
    return [
      {
        kernel: 'concat', name: c.name, bufs: { ...parts, y: c.rows * total }, outputs: ['y'],
        call: (b, B) => b.concat(p, keys.map((j) => B[`in${j}`]), B.y),
      },
      {
        kernel: 'split', name: c.name, bufs: { y: g.normal(c.rows * total), ...outs }, outputs: keys.map((j) => `out${j}`),
        call: (b, B) => b.split(p, B.y, keys.map((j) => B[`out${j}`])),
      },
    ];
  });
}

function specs(): GradCheckSpec[] {
  return small.flatMap((c, i): GradCheckSpec[] => {
    const p = { rows: c.rows, channels: c.channels };
    const g = new Gen(1200 + i);
    const total = c.channels.reduce((a, v) => a + v, 0);
    const inputs: Record<string, Float64Array> = {};
    c.channels.forEach((ch, j) => { inputs[`in${j}`] = g.normal(c.rows * ch); });
    const names = Object.keys(inputs);
    return [
      // split is concat's backward ...
      {
        name: `concat ${c.name}`, forwardKernel: 'concat', backwardKernels: ['split'], inputs, wrt: names, outLen: c.rows * total,
        forward: (b, B, y) => b.concat(p, names.map((k) => B[k]), y),
        backward: (b, _B, dy, G) => b.split(p, dy, names.map((k) => G[k])),
      },
      // ... and concat is split's: L = sum_j <r_j, split(y)_j>, outputs laid out as one concatenated vector.
      {
        name: `split ${c.name}`, forwardKernel: 'split', backwardKernels: ['concat'], inputs: { y: g.normal(c.rows * total) }, wrt: ['y'],
        outLen: c.rows * total,
        forward: (b, B, out) => {
          const parts = c.channels.map((ch) => b.alloc(c.rows * ch));
          b.split(p, B.y, parts);
          let off = 0;
          for (const part of parts) { b.write(out, b.read(part), off); off += part.length; b.free(part); }
        },
        backward: (b, _B, dy, G) => {
          const all = b.read(dy);
          let off = 0;
          const parts = c.channels.map((ch) => {
            const part = b.alloc(c.rows * ch);
            b.write(part, all.subarray(off, off + c.rows * ch));
            off += c.rows * ch;
            return part;
          });
          b.concat(p, parts, G.y);
          for (const part of parts) b.free(part);
        },
      },
    ];
  });
}

export const concat: Family = {
  name: 'concat',
  coverage: {
    concat: {
      values: [{
        what: 'hand: rows 2, channels [1, 2]',
        run: (b) => {
          const [y] = withBufs(b, [[1, 2], [3, 4, 5, 6]], [6], ([a, c], [yb]) => b.concat({ rows: 2, channels: [1, 2] }, [a, c], yb));
          return { got: y, want: [1, 3, 4, 2, 5, 6] };
        },
      }],
    },
    split: {
      values: [{
        what: 'hand: the inverse of the concat example',
        run: (b) => {
          const [a, c] = withBufs(b, [[1, 3, 4, 2, 5, 6]], [2, 4], ([y], [ab, cb]) => b.split({ rows: 2, channels: [1, 2] }, y, [ab, cb]));
          return { got: [...a, ...c], want: [1, 2, 3, 4, 5, 6] };
        },
      }],
    },
  },
  cases: caseLists(cases, () => []),
  gradchecks: specs,
};
