// The training page's main thread: starts the worker, draws the chart and the drawing pad, shows
// the prediction. All computation runs in train-worker.js. window.__train mirrors the state for tests.
import { drawChart } from './chart.js';

const q = new URLSearchParams(location.search);
const isolated = self.crossOriginIsolated === true;
const intParam = (k, d, min = 1) => {
  const v = q.get(k);
  if (v === null) return d;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`?${k}= must be an integer >= ${min}, got '${v}'`);
  return n;
};
const $ = (id) => document.getElementById(id);
const state = window.__train = { phase: 'starting', steps: [], evals: [], total: 0, done: null, error: null, backend: null, prediction: null };

function fail(msg) {
  state.phase = 'error'; state.error = msg;
  $('status').textContent = msg; $('status').className = 'error';
}

let options;
try {
  options = {
    epochs: intParam('epochs', 4), batch: intParam('batch', 64), seed: intParam('seed', 0, 0), limit: intParam('limit', 0, 0),
    // Threads need cross-origin isolation (shared memory); without it the backend runs one.
    threads: intParam('threads', isolated ? Math.min(4, navigator.hardwareConcurrency || 1) : 1),
    lr: Number(q.get('lr') ?? 3e-3), data: new URL('./data/', location.href).href,
  };
  if (!(options.lr > 0)) throw new Error(`?lr= must be a positive number, got '${q.get('lr')}'`);
} catch (e) {
  fail(e.message);
}

const chart = $('chart');
let pending = false;
const redraw = () => {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => { pending = false; drawChart(chart, state); });
};
redraw();

const worker = new Worker('./train-worker.js', { type: 'module' });
worker.onerror = (e) => fail(`the worker failed: ${e.message ?? 'see the console'}`);
worker.onmessage = (e) => {
  const m = e.data;
  switch (m.type) {
    case 'ready': if (options) worker.postMessage({ type: 'train', options }); break;
    case 'status': $('status').textContent = m.text; break;
    case 'backend': {
      state.backend = m;
      const i = m.info ?? {};
      $('backend').textContent = `${m.name} backend, ${i.threads} thread${i.threads > 1 ? 's' : ''}, ${i.shared ? 'shared' : 'non-shared'} memory, ` +
        `${i.relaxedSimd ? 'relaxed SIMD' : 'SIMD'}; page ${m.crossOriginIsolated ? 'is' : 'is NOT'} cross-origin isolated`;
      break;
    }
    case 'model':
      state.total = m.total; state.phase = 'training';
      $('status').textContent = `training resnet_digits (${m.params.toLocaleString('en-US')} parameters) on ${m.train} digits, ${m.epochs} epochs of ${m.total / m.epochs} steps (batch ${m.batch}); held out ${m.test}`;
      break;
    case 'step':
      state.steps.push({ step: m.step, loss: m.loss, trainAccuracy: m.trainAccuracy });
      $('progress').textContent = `epoch ${m.epoch}, step ${m.step}/${m.total}: loss ${m.loss.toFixed(4)}, lr ${m.lr.toExponential(2)}, ${Math.round(m.imagesPerSecond)} images/s`;
      redraw();
      break;
    case 'epoch':
      state.evals.push(m);
      $('epochs').insertAdjacentHTML('beforeend', `<tr><td>${m.epoch}</td><td>${m.trainLoss.toFixed(4)}</td><td>${(100 * m.trainAccuracy).toFixed(2)}%</td>` +
        `<td>${m.testLoss.toFixed(4)}</td><td>${(100 * m.testAccuracy).toFixed(2)}%</td><td>${m.seconds.toFixed(1)} s</td></tr>`);
      redraw();
      break;
    case 'done':
      state.done = m; state.phase = 'done';
      $('status').textContent = `done: held-out accuracy ${(100 * m.testAccuracy).toFixed(2)}% after ${m.steps} steps, ${m.seconds.toFixed(1)} s in all ` +
        `(${Math.round(m.imagesPerSecond)} training images/s). Draw a digit below.`;
      $('pad-section').hidden = false;
      break;
    case 'prediction': state.prediction = m.probs; showPrediction(m.probs); break;
    case 'error': fail(m.message); break;
  }
};

// ---- drawing pad --------------------------------------------------------------------------------
const pad = $('pad'), pctx = pad.getContext('2d');
function clearPad() {
  pctx.fillStyle = '#000'; pctx.fillRect(0, 0, pad.width, pad.height);
  $('bars').innerHTML = '';
}
clearPad();
let drawing = false, lastPt = null;
const pos = (e) => { const r = pad.getBoundingClientRect(); return [(e.clientX - r.left) * pad.width / r.width, (e.clientY - r.top) * pad.height / r.height]; };
pad.addEventListener('pointerdown', (e) => { drawing = true; lastPt = pos(e); pad.setPointerCapture(e.pointerId); stroke(lastPt); });
pad.addEventListener('pointermove', (e) => { if (drawing) stroke(pos(e)); });
pad.addEventListener('pointerup', () => { drawing = false; lastPt = null; requestPrediction(); });
function stroke(p) {
  pctx.strokeStyle = '#fff'; pctx.lineWidth = pad.width / 12; pctx.lineCap = 'round'; pctx.lineJoin = 'round';
  pctx.beginPath(); pctx.moveTo(...(lastPt ?? p)); pctx.lineTo(...p); pctx.stroke();
  lastPt = p;
}
$('clear').addEventListener('click', clearPad);

/**
 * The pad as MNIST prepares its digits: the ink's bounding box scaled to fit 20x20 (aspect kept),
 * placed in 28x28 with its centre of mass at the centre. Returns 784 values in [0, 1].
 */
export function padToDigit(canvas) {
  const W = canvas.width, H = canvas.height;
  const src = canvas.getContext('2d').getImageData(0, 0, W, H).data;
  let x0 = W, y0 = H, x1 = -1, y1 = -1;
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    if (src[(y * W + x) * 4] > 20) { x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y); }
  }
  const out = new Float32Array(784);
  if (x1 < 0) return out;
  const bw = x1 - x0 + 1, bh = y1 - y0 + 1, s = 20 / Math.max(bw, bh);
  const tmp = document.createElement('canvas');
  tmp.width = 28; tmp.height = 28;
  const t = tmp.getContext('2d');
  t.imageSmoothingEnabled = true; t.imageSmoothingQuality = 'high';
  const dw = bw * s, dh = bh * s;
  t.drawImage(canvas, x0, y0, bw, bh, (28 - dw) / 2, (28 - dh) / 2, dw, dh);
  const px = t.getImageData(0, 0, 28, 28).data;
  let m = 0, cx = 0, cy = 0;
  for (let i = 0; i < 784; i++) { const v = px[i * 4] / 255; out[i] = v; m += v; cx += v * (i % 28); cy += v * Math.floor(i / 28); }
  // shift by the centre of mass (whole pixels, as MNIST)
  const dx = Math.round(13.5 - cx / m), dy = Math.round(13.5 - cy / m);
  const shifted = new Float32Array(784);
  for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) {
    const sx = x - dx, sy = y - dy;
    if (sx >= 0 && sx < 28 && sy >= 0 && sy < 28) shifted[y * 28 + x] = out[sy * 28 + sx];
  }
  return shifted;
}

function requestPrediction() {
  if (state.phase !== 'done') return;
  worker.postMessage({ type: 'predict', pixels: padToDigit(pad) });
}
window.__predictPad = requestPrediction;

function showPrediction(probs) {
  const best = probs.indexOf(Math.max(...probs));
  $('bars').innerHTML = probs.map((p, d) => `<div class="bar${d === best ? ' best' : ''}"><span>${d}</span>` +
    `<i style="width:${(100 * p).toFixed(1)}%"></i><b>${(100 * p).toFixed(1)}%</b></div>`).join('');
}
