// `convnets bench`: times a model's forward pass (or training step) on one backend, with the peers
// side by side (same network, same weights, outputs checked first; PyTorch CPU as a subprocess with
// torchvision's model loaded with our weights) unless --no-peers. --train: ours and PyTorch's step.
// The timing code lives in bench/ (the `convnets/bench` entry, built by tsc to dist/bench): it is
// loaded only when a command measures, and its peers (tfjs, onnxruntime, benchmark.js) are optional
// packages that it reports as "not installed" when they are missing.
import type { Command } from 'commander';
import { ConvnetsError, UsageError } from '../core/backend.js';
import { initBackend } from '../core/registry.js';
import { backendName, checkModelName, posInt, threadCount } from './options.js';
// Types only: erased at build time, so the CLI does not load bench/ until a command measures.
import type { ModelTiming, PeerName } from '../../../bench/index.js';

type BenchModule = typeof import('../../../bench/index.js');
let bench: Promise<BenchModule> | null = null;

/** The benchmark module (bench/index.ts), loaded on first use; a clear error when it is not in this build. */
export function loadBench(): Promise<BenchModule> {
  bench ??= import('../../../bench/index.js').catch((e: unknown) => {
    bench = null;
    const err = e as { code?: string; message?: string };
    if (err.code === 'ERR_MODULE_NOT_FOUND' || err.code === 'MODULE_NOT_FOUND' || /Cannot find (package|module)/.test(err.message ?? '')) {
      throw new ConvnetsError(`the benchmark code (dist/bench) is not part of this build (npm run build:ts builds it): ${err.message ?? ''}`.trim());
    }
    throw e;
  });
  return bench;
}

interface BenchOpts {
  backend?: string; threads?: number; model: string; batch: number; input?: number; json?: boolean;
  peers: boolean; peerList?: string; quick?: boolean; train?: boolean;
}

function fmtRow(r: ModelTiming, ours: number | null): string {
  if (!r.timing || r.error) return `${r.runtime.padEnd(20)} ${'-'.padStart(10)}  ${r.error ?? ''}`;
  const t = r.timing;
  const sp = ours !== null && !r.runtime.startsWith('convnets') ? `  speed-up of ours x${(t.median / ours).toFixed(2)}` : '';
  return `${r.runtime.padEnd(20)} ${t.median.toFixed(2).padStart(10)}  ${t.min.toFixed(2)}-${t.max.toFixed(2)} ms  ±${t.rme.toFixed(1)}%  ${t.cpuMedian !== undefined ? `cpu ${t.cpuMedian.toFixed(2)} ms  ` : ''}` +
    `${r.gflops !== undefined ? r.gflops.toFixed(2) + ' GFLOP/s' : ''}${r.peakRssMB !== undefined ? `  peak RSS ${Math.round(r.peakRssMB)} MB` : ''}${r.maxRelDiff !== undefined ? `  diff ${r.maxRelDiff.toExponential(1)}` : ''}${sp}${r.note ? `  (${r.note})` : ''}`;
}

export function register(program: Command): void {
  program.command('bench')
    .description("time a model's forward pass (or --train step) on a backend, with tfjs / onnxruntime / PyTorch CPU peers side by side")
    .option('--backend <name>', 'js | wasm | cpu | cuda (native = cuda; default: best available)', backendName())
    .option('--threads <n>', 'threads for wasm, cpu and the onnxruntime / torch peers', threadCount())
    .option('--model <name>', 'model name', 'mobilenet_v2')
    .option('--batch <b>', 'batch size', posInt('--batch'), 1)
    .option('--input <n>', "input resolution (default: the model's)", posInt('--input'))
    .option('--no-peers', 'time only our backend')
    .option('--peer-list <list>', 'comma-separated peers (default: all; an unknown name lists the known ones)')
    .option('--train', 'time a training step (forward + backward + SGD momentum) instead; the torch peer runs the same step (the others are inference-only)')
    .option('--quick', 'fewer samples')
    .option('--json', 'print a JSON object as the last line (median_ms ...)')
    .action(async (o: BenchOpts) => {
      checkModelName(o.model);
      const { ALL_PEERS, buildOn, keepTorchWeights, quickTiming, runTorchPeer, timeOurForward, timeOurTrainStep, timePeers, timingArgs, traceMacs } = await loadBench();
      const peers = (o.peerList ? o.peerList.split(',').map((s) => s.trim()) : [...ALL_PEERS]) as PeerName[];
      for (const p of peers) if (!ALL_PEERS.includes(p)) throw new UsageError(`--peer-list: unknown peer '${p}' (known: ${ALL_PEERS.join(', ')})`);
      const b = await initBackend(o.backend, o.threads !== undefined ? { threads: o.threads } : undefined);
      // The backend's own thread count when it has one (wasm defaults to the available cores).
      const threads = (b as { threads?: number }).threads ?? o.threads ?? 1;
      const timing = quickTiming(!!o.quick);
      const built = await buildOn(b, o.model, o.batch, o.input ? { inputSize: o.input } : {});
      const runtime = b.name === 'wasm' || b.name === 'cpu' ? `convnets-${b.name}-${threads}t` : `convnets-${b.name}`;
      const log = (s: string): void => { if (!o.json) process.stderr.write(s + '\n'); };
      try {
        const shape = built.inputShape;
        if (o.train) {
          const t = await timeOurTrainStep(b, built, timing);
          // This process ran one case: its peak RSS is the case's (plus the CLI's own).
          const rss = Math.round(process.resourceUsage().maxRSS / 1024);
          let peer: ModelTiming | null = null;
          if (o.peers && peers.includes('torch')) {
            const r = await runTorchPeer('train', [o.model, '--batch', String(o.batch), '--size', String(shape[1]), '--classes', String(built.model.numClasses),
              ...timingArgs(timing)], threads);
            peer = { runtime: `torch-${threads}t`, threads, timing: r.error ? undefined : r.timing, peakRssMB: r.peakRssMB, error: r.error,
              note: [r.note, r.warning ? `WARNING: ${r.warning}` : undefined].filter(Boolean).join('; ') || undefined };
          }
          if (!o.json) {
            console.log(`${o.model} [${shape.join('x')}] training step on ${runtime}: median ${t.median.toFixed(2)} ms (${t.min.toFixed(2)}-${t.max.toFixed(2)}, ±${t.rme.toFixed(1)}%), peak RSS ${rss} MB`);
            if (peer) console.log(fmtRow(peer, t.median));
          } else {
            console.log(JSON.stringify({ model: o.model, backend: b.name, threads, batch: o.batch, input: shape[1], mode: 'train', median_ms: t.median, min_ms: t.min, max_ms: t.max, rme: t.rme, samples: t.samples,
              peak_rss_mb: rss, peers: peer ? [{ runtime: peer.runtime, threads, median_ms: peer.timing?.median ?? null, peak_rss_mb: peer.peakRssMB ?? null, error: peer.error ?? null, note: peer.note ?? null }] : [] }));
          }
          return;
        }
        if (o.peers && peers.includes('torch')) keepTorchWeights(built); // before fusion renames the layers
        const ours = await timeOurForward(b, built, timing);
        const macs = traceMacs(ours.trace);
        const mine: ModelTiming = { runtime, threads, timing: ours.timing, gflops: (2 * macs) / (ours.timing.median * 1e6) };
        const peerRows = o.peers ? await timePeers(peers, built, ours.trace, ours.output, threads, timing, macs, log) : [];
        if (!o.json) {
          console.log(`${o.model} forward, input ${shape.join('x')} (NHWC), ${(macs / 1e9).toFixed(3)} GMACs`);
          console.log(`${'runtime'.padEnd(20)} ${'median ms'.padStart(10)}`);
          for (const r of [mine, ...peerRows]) console.log(fmtRow(r, ours.timing.median));
        } else {
          console.log(JSON.stringify({
            model: o.model, backend: b.name, threads, batch: o.batch, input: shape[1], mode: 'forward', macs,
            median_ms: ours.timing.median, cpu_ms: ours.timing.cpuMedian ?? null, min_ms: ours.timing.min, max_ms: ours.timing.max, rme: ours.timing.rme, samples: ours.timing.samples,
            gflops: mine.gflops,
            peers: peerRows.map((r) => ({ runtime: r.runtime, threads: r.threads, median_ms: r.error ? null : r.timing?.median ?? null, max_rel_diff: r.maxRelDiff ?? null,
              peak_rss_mb: r.peakRssMB ?? null, error: r.error ?? null, note: r.note ?? null })),
          }));
        }
      } finally {
        built.dispose();
      }
    });
}
