// Seeded fuzz cases of the image reader (a few seconds; the long mode is `npm run fuzz`): every
// case ends in a ConvnetsError or a valid result, within the time, memory and message bounds.
import t from 'tap';
import { fuzz } from './harness.js';
import { imageTarget } from './targets/image.js';

t.test('image: seeded fuzz cases stay bounded and never crash', async (t) => {
  const r = await fuzz(imageTarget, { cases: 2000, seconds: 4, seed: 20261201, maxCaseMs: 5000, maxRssGrowthMB: 1024 });
  t.same(r.failures, [], 'no crash, invalid result, slow case, memory overrun or unbounded message');
  t.ok(r.cases >= 30, `${r.cases} cases ran`);
  t.ok(r.accepted > 0 && r.rejected > 0, `both outcomes seen (${r.accepted} accepted, ${r.rejected} rejected)`);
  t.ok(r.distinctKinds >= 5, `${r.distinctKinds} kinds of rejection (at least 5)`);
  t.ok(r.longestMessage <= 2100, `longest message ${r.longestMessage} chars`);
});
