// A small two-axis line chart on a canvas (no chart library: three polylines and their axes).
// Left axis: training loss per step (light) and its moving average (dark blue); right axis (0-100%):
// running training accuracy of the epoch so far (green) and held-out accuracy after each epoch (orange dots + line).
export const COLORS = { loss: '#1f5fbf', lossRaw: '#a9c1e8', train: '#2ca02c', test: '#ff7f0e', grid: '#e4e4e4', text: '#333333', bg: '#ffffff' };

export function drawChart(canvas, { steps, evals, total }) {
  const ctx = canvas.getContext('2d');
  const W = canvas.width, H = canvas.height;
  const L = 52, R = 52, T = 22, B = 34;
  const pw = W - L - R, ph = H - T - B;
  ctx.fillStyle = COLORS.bg; ctx.fillRect(0, 0, W, H);
  ctx.font = '12px system-ui, sans-serif';
  const n = Math.max(total, 1);
  let maxLoss = 0;
  for (const s of steps) maxLoss = Math.max(maxLoss, s.loss);
  maxLoss = maxLoss > 0 ? Math.ceil(maxLoss * 2) / 2 : 2.5;
  const x = (step) => L + (step / n) * pw;
  const yl = (v) => T + ph - (Math.min(v, maxLoss) / maxLoss) * ph;
  const ya = (a) => T + ph - a * ph;
  // grid + axes
  ctx.strokeStyle = COLORS.grid; ctx.lineWidth = 1; ctx.fillStyle = COLORS.text;
  for (let i = 0; i <= 5; i++) {
    const yy = T + (ph * i) / 5;
    ctx.beginPath(); ctx.moveTo(L, yy); ctx.lineTo(L + pw, yy); ctx.stroke();
    ctx.textAlign = 'right'; ctx.fillText((maxLoss * (1 - i / 5)).toFixed(2), L - 6, yy + 4);
    ctx.textAlign = 'left'; ctx.fillText(`${100 - 20 * i}%`, L + pw + 6, yy + 4);
  }
  ctx.strokeStyle = COLORS.text;
  ctx.strokeRect(L, T, pw, ph);
  ctx.textAlign = 'center';
  ctx.fillText(`step (of ${total})`, L + pw / 2, H - 8);
  for (let i = 0; i <= 4; i++) ctx.fillText(String(Math.round((n * i) / 4)), x((n * i) / 4), T + ph + 15);
  const line = (pts, color, width) => {
    if (pts.length < 1) return;
    ctx.strokeStyle = color; ctx.lineWidth = width; ctx.beginPath();
    pts.forEach(([px, py], i) => (i ? ctx.lineTo(px, py) : ctx.moveTo(px, py)));
    ctx.stroke();
  };
  line(steps.map((s) => [x(s.step), yl(s.loss)]), COLORS.lossRaw, 1);
  let ema = null;
  line(steps.map((s) => { ema = ema === null ? s.loss : 0.9 * ema + 0.1 * s.loss; return [x(s.step), yl(ema)]; }), COLORS.loss, 2.5);
  line(steps.map((s) => [x(s.step), ya(s.trainAccuracy)]), COLORS.train, 2);
  line(evals.map((e) => [x(e.step), ya(e.testAccuracy)]), COLORS.test, 2.5);
  ctx.fillStyle = COLORS.test;
  for (const e of evals) { ctx.beginPath(); ctx.arc(x(e.step), ya(e.testAccuracy), 4.5, 0, 2 * Math.PI); ctx.fill(); }
  // legend
  const items = [['training loss (left)', COLORS.loss], ['training accuracy (running, per epoch)', COLORS.train], ['held-out accuracy', COLORS.test]];
  ctx.textAlign = 'left';
  let lx = L + 8;
  for (const [label, color] of items) {
    ctx.fillStyle = color; ctx.fillRect(lx, 6, 14, 8);
    ctx.fillStyle = COLORS.text; ctx.fillText(label, lx + 18, 14);
    lx += ctx.measureText(label).width + 40;
  }
}
