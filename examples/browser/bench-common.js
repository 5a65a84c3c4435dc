// Shared by the bench workers: timing loop and the message protocol.
// A worker receives {type:'run', model, size, threads, warmup, reps, seed, input?} and answers
// {type:'result', times (ms, each one inference incl. reading the logits), output (logits), info}
// or {type:'error', message}.
export async function timeIt(fn, warmup, reps) {
  for (let i = 0; i < warmup; i++) await fn();
  const times = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return times;
}

export function serve(run) {
  self.onmessage = async (e) => {
    try {
      self.postMessage({ type: 'result', ...(await run(e.data)) });
    } catch (err) {
      self.postMessage({ type: 'error', message: `${err?.name ?? 'Error'}: ${err?.message ?? String(err)}` });
    }
  };
  self.postMessage({ type: 'ready' });
}
