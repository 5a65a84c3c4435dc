// Schedules: values at known steps, from the formulas (torch's definitions) written out here.
import t from 'tap';
import { constantSchedule, cosineSchedule, createSchedule, oneCycleSchedule, stepSchedule, withWarmup } from '../../src/ts/train/schedules.js';

const close = (t: any, a: number, b: number, msg: string): void => t.ok(Math.abs(a - b) <= 1e-12 + 1e-9 * Math.abs(b), `${msg}: ${a} vs ${b}`);

t.test('constant and step', async (t) => {
  t.equal(constantSchedule(0.1).lr(12345), 0.1);
  const s = stepSchedule(0.1, 10, 0.5);
  close(t, s.lr(0), 0.1, 'step 0'); close(t, s.lr(9), 0.1, 'step 9');
  close(t, s.lr(10), 0.05, 'step 10'); close(t, s.lr(25), 0.025, 'step 25');
  t.throws(() => stepSchedule(0.1, 0), /stepSize/);
});

t.test('cosine', async (t) => {
  const s = cosineSchedule(0.2, 100, 0.02);
  close(t, s.lr(0), 0.2, 'start');
  close(t, s.lr(50), 0.11, 'half way = (max+min)/2');
  close(t, s.lr(25), 0.02 + 0.18 * (1 + Math.SQRT1_2) / 2, 'quarter');
  close(t, s.lr(100), 0.02, 'end'); close(t, s.lr(150), 0.02, 'after end');
});

t.test('linear warm-up wraps another schedule', async (t) => {
  const s = withWarmup(cosineSchedule(1, 10), 4);
  close(t, s.lr(0), 0.25, 'w0'); close(t, s.lr(1), 0.5, 'w1'); close(t, s.lr(3), 1, 'w3');
  close(t, s.lr(4), 1, 'cosine starts'); close(t, s.lr(9), (1 + Math.cos(Math.PI / 2)) / 2, 'cosine step 5 of 10');
  const c = createSchedule({ kind: 'cosine' }, 1, 14, 4);
  close(t, c.lr(9), s.lr(9), 'createSchedule gives cosine over the steps after warm-up');
});

t.test('one-cycle as torch OneCycleLR', async (t) => {
  // total 100, pct 0.3: up phase ends at step 29 (0.3*100-1), down phase at 99
  const s = oneCycleSchedule(1, 100);
  close(t, s.lr(0), 1 / 25, 'initial = max/25');
  close(t, s.lr(29), 1, 'peak at pct*total-1');
  const pct = 14.5 / 29;
  close(t, s.lr(14.5), 1 + (1 / 25 - 1) / 2 * (Math.cos(Math.PI * pct) + 1), 'mid warm-up');
  close(t, s.lr(99), 1 / 25 / 1e4, 'final = initial/1e4');
  const mid = 29 + 35;
  close(t, s.lr(mid), 1 / 25e4 + (1 - 1 / 25e4) / 2 * (Math.cos(Math.PI * 35 / 70) + 1), 'mid anneal');
  let mono = true;
  for (let i = 1; i < 100; i++) if (i <= 29 ? s.lr(i) < s.lr(i - 1) : s.lr(i) > s.lr(i - 1)) mono = false;
  t.ok(mono, 'rises then falls');
});
