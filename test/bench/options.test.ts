// `npm run bench` options (bench/options.ts): defaults, arguments over the environment, the 'native'
// alias, and a usage error naming the flag for every bad value, before anything runs.
import t from 'tap';
import { parseOptions } from '../../bench/options.js';

t.test('defaults: every suite, backend and peer; threads 1,2; training batches 8 and 32', async (t) => {
  const o = parseOptions([], {}).options!;
  t.same(o.suites, ['kernels', 'models', 'train', 'defaultjob']);
  t.same(o.backends, ['js', 'wasm', 'cpu', 'cuda']);
  t.same(o.peers, ['tfjs-wasm', 'tfjs-cpu', 'ort-node', 'ort-web', 'torch']);
  t.same(o.threads, [1, 2]);
  t.same(o.trainBatches, [8, 32]);
  t.same(o.models, ['mobilenet_v2', 'resnet50']);
  t.equal(o.modelsGiven, false);
  t.equal(o.jobSteps, 40);
  t.equal(o.quick, false);
  t.equal(o.out, 'bench/results');
  const q = parseOptions(['--quick'], {}).options!;
  t.same(q.trainBatches, [8], 'quick: batch 8 only');
  t.equal(q.jobSteps, 20);
});

t.test('arguments win over the environment; native is the cuda backend; repeats collapse', async (t) => {
  const env = { BENCH_SUITES: 'kernels', BENCH_THREADS: '4', BENCH_BACKENDS: 'wasm', BENCH_PEERS: 'none', BENCH_QUICK: '1', BENCH_MODELS: 'resnet50' };
  const e = parseOptions([], env).options!;
  t.same(e.suites, ['kernels']);
  t.same(e.threads, [4]);
  t.same(e.peers, []);
  t.equal(e.quick, true);
  t.equal(e.modelsGiven, true);
  const a = parseOptions(['--suites', 'train,defaultjob', '--threads', '1,2,1', '--backends', 'native,cpu,cuda', '--peers', 'torch', '--train-batches', '32',
    '--job-steps', '12', '--out', '/tmp/x'], env).options!;
  t.same(a.suites, ['train', 'defaultjob']);
  t.same(a.threads, [1, 2]);
  t.same(a.backends, ['cuda', 'cpu'], "'native' resolves to cuda");
  t.same(a.peers, ['torch']);
  t.same(a.trainBatches, [32]);
  t.equal(a.jobSteps, 12);
  t.equal(a.out, '/tmp/x');
});

t.test('bad values are usage errors naming the flag', async (t) => {
  const err = (argv: string[], env = {}) => parseOptions(argv, env).error;
  t.match(err(['--suites', 'kernels,bogus']), /--suites: unknown 'bogus' \(known: kernels, models, train, defaultjob\)/);
  t.match(err(['--backends', 'gpu']), /--backends: unknown 'gpu' \(known: cuda, cpu, wasm, js\)/);
  t.match(err(['--peers', 'pytorch']), /--peers: unknown 'pytorch' \(known: .*torch\)/);
  t.match(err(['--threads', '0']), /--threads: '0' is not an integer in \[1, 256\]/);
  t.match(err(['--threads', '1.5']), /--threads: '1.5' is not an integer/);
  t.match(err([], { BENCH_TRAIN_BATCHES: 'x' }), /--train-batches: 'x' is not an integer/);
  t.match(err(['--job-steps', '3']), /--job-steps: '3' is not an integer in \[8, /);
  t.match(err(['--threads']), /--threads needs a value/);
  t.match(err(['--frobnicate']), /unknown argument '--frobnicate'/);
  const h = parseOptions(['--backends', 'bogus', '--help'], {});
  t.equal(h.error, undefined, '--help wins');
  t.match(h.help, /--suites <list>\s+kernels,models,train,defaultjob/);
  t.match(h.help, /BENCH_TORCH_PYTHON/);
});
