// Model inference suite: each model at batch 1 on each of our runtimes (the fused model: BN folded,
// activations fused), and the peers once per thread count with the same network and weights (tfjs
// replay, onnxruntime through our exporter, torchvision's model loaded with our weights by name),
// each checked against our output before it is timed.
import type { TimingOptions } from '../timing.js';
import { buildOn, keepTorchWeights, timeOurForward, timePeers, traceMacs, THREADED_PEERS } from '../models.js';
import type { PeerName } from '../models.js';
import type { TorchPeerOptions } from '../torch.js';
import type { BenchResult, Runtime } from '../types.js';

export interface ModelSuiteOptions {
  models: readonly string[];
  threads: readonly number[];
  peers: readonly PeerName[];
  timing: TimingOptions;
  /** Full mode also times plain-loop js on MobileNetV2. */
  quick: boolean;
  torch?: TorchPeerOptions;
  log?: (s: string) => void;
}

export async function modelSuite(runtimes: readonly Runtime[], o: ModelSuiteOptions): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  const log = o.log ?? (() => {});
  const minThreads = Math.min(...o.threads);
  for (const model of o.models) {
    const label = `${model} 224 b1`;
    // Plain-loop js takes seconds per ResNet-50 forward: only MobileNetV2, and only in full mode.
    const rts = runtimes.filter((r) => r.backendName !== 'js' || (!o.quick && model === 'mobilenet_v2'));
    const peerDone = new Set<number>();
    for (const rt of rts) {
      const base: BenchResult = { suite: 'models', case: label, runtime: rt.name, threads: rt.threads, macs: 0 };
      let built = null;
      try {
        built = await buildOn(rt.backend, model, 1);
        // Once per thread count: tfjs runs with the lowest (one thread in Node), the others at each.
        const ps = peerDone.has(rt.threads) ? [] : o.peers.filter((p) => THREADED_PEERS.includes(p) || rt.threads === minThreads);
        if (ps.includes('torch')) keepTorchWeights(built); // before fusion renames the layers
        const r = await timeOurForward(rt.backend, built, o.timing);
        const macs = traceMacs(r.trace);
        out.push({ ...base, macs, timing: r.timing, gflops: (2 * macs) / (r.timing.median * 1e6) });
        log(`  ${label} [${rt.name}] ${r.timing.median.toFixed(2)} ms`);
        if (ps.length) {
          peerDone.add(rt.threads);
          for (const p of await timePeers(ps, built, r.trace, r.output, rt.threads, o.timing, macs, log, o.torch)) {
            out.push({ suite: 'models', case: label, runtime: p.runtime, threads: p.threads, macs, timing: p.timing, gflops: p.gflops,
              maxRelDiff: p.maxRelDiff, peakRssMB: p.peakRssMB, error: p.error, note: p.note });
          }
        }
      } catch (e) {
        out.push({ ...base, error: (e as Error).message });
        log(`  ${label} [${rt.name}] error: ${(e as Error).message}`);
      } finally {
        built?.dispose();
      }
    }
  }
  return out;
}
