// Shared by the bench workers. Protocol: the worker posts {type:'ready'} once loaded; the page sends
// {type:'setup', model, size, threads, warmup, seed, input?, onnx} and gets {type:'set', info,
// output (logits), input?} after the warm-up runs; then each {type:'run'} is one timed inference
// (reading the logits included) answered by {type:'time', ms}. Errors: {type:'error', message}.
export function serve(setup) {
  let run = null;
  self.onmessage = async (e) => {
    try {
      if (e.data.type === 'setup') {
        const s = await setup(e.data);
        for (let i = 0; i < e.data.warmup; i++) await s.run();
        run = s.run;
        self.postMessage({ type: 'set', info: s.info, output: Array.from(await s.run()), input: s.input });
      } else if (e.data.type === 'run') {
        const t0 = performance.now();
        await run();
        self.postMessage({ type: 'time', ms: performance.now() - t0 });
      }
    } catch (err) {
      self.postMessage({ type: 'error', message: `${err?.name ?? 'Error'}: ${err?.message ?? String(err)}` });
    }
  };
  self.postMessage({ type: 'ready' });
}
