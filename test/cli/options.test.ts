// The shared option parsers (src/ts/cli/options.ts): accepted values, and errors naming flag and value.
import t from 'tap';
import type { Test } from 'tap';
import {
  backendName, finiteNumber, intAtLeast, nonNegInt, numAtLeast, oneOf, posInt, posNumber, threadCount,
} from '../../src/ts/cli/options.js';
import { ConvnetsError } from '../../src/ts/core/backend.js';

function refuses(t: Test, f: (v: string) => unknown, v: string, msg: string): void {
  t.throws(() => f(v), new ConvnetsError(msg), `'${v}'`);
}

t.test('integers', async (t) => {
  t.equal(posInt('--batch')('8'), 8);
  t.equal(posInt('--batch')(' 8 '), 8, 'surrounding spaces');
  for (const v of ['0', '-1', '1.5', '1e3', '', 'x', '9007199254740993']) refuses(t, posInt('--batch'), v, `--batch must be a positive integer, got '${v}'`);
  t.equal(nonNegInt('--steps')('0'), 0);
  refuses(t, nonNegInt('--steps'), '-2', "--steps must be a non-negative integer, got '-2'");
  t.equal(intAtLeast('--crop-padding', 0)('0'), 0);
  t.equal(intAtLeast('--x', -3)('-3'), -3);
  refuses(t, intAtLeast('--crop-padding', 0), '-1', "--crop-padding must be an integer >= 0, got '-1'");
  refuses(t, intAtLeast('--epochs', 1), 'x', "--epochs must be an integer >= 1, got 'x'");
  t.equal(threadCount()('2'), 2);
  refuses(t, threadCount(), '0', "--threads must be a positive integer, got '0'");
});

t.test('numbers', async (t) => {
  t.equal(posNumber('--lr')('1e-3'), 1e-3);
  for (const v of ['0', '-1', 'NaN', 'Infinity', '', ' ']) refuses(t, posNumber('--lr'), v, `--lr must be a positive number, got '${v}'`);
  t.equal(numAtLeast('--label-smoothing', 0)('0'), 0);
  refuses(t, numAtLeast('--clip', 0), '-0.5', "--clip must be a number >= 0, got '-0.5'");
  t.equal(finiteNumber('--phi')('-1.5'), -1.5);
  refuses(t, finiteNumber('--phi'), 'x', "--phi must be a number, got 'x'");
});

t.test('words and backends', async (t) => {
  const layout = oneOf('--layout', ['auto', 'torchvision'] as const);
  t.equal(layout('auto'), 'auto');
  refuses(t, layout, 'nchw', "--layout must be one of auto, torchvision, got 'nchw'");
  t.equal(backendName()('wasm'), 'wasm');
  t.equal(backendName()('cpu'), 'cpu');
  t.equal(backendName()('cuda'), 'cuda');
  t.equal(backendName()('native'), 'native', "the old name of cuda: the registry resolves it");
  refuses(t, backendName(), 'gpu', "--backend must be one of cuda, cpu, wasm, js, got 'gpu'");
  refuses(t, backendName('-b'), '', "-b must be one of cuda, cpu, wasm, js, got ''");
});
