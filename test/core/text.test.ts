// core/text.ts: bounded, escaped descriptions of untrusted values (the error-message building blocks).
import t from 'tap';
import { boundMessage, describeValue, listNames, MAX_MESSAGE_CHARS, safeText } from '../../src/ts/core/text.js';

t.test('safeText escapes controls and cuts long text', async (t) => {
  t.equal(safeText('a\u001b[31mb\nc'), 'a\\u001b[31mb\\u000ac');
  t.equal(safeText('x\u202ey'), 'x\\u202ey', 'bidi override escaped');
  const long = safeText('z'.repeat(1000), 10);
  t.equal(long, 'zzzzzzzzzz... (1000 chars)');
});

t.test('describeValue: bounded, no recursion, never throws', async (t) => {
  t.equal(describeValue([1, 'a', null, true]), '[1, "a", null, true]');
  t.equal(describeValue(5n), '5n (BigInt)');
  const c: Record<string, unknown> = { a: 1 };
  c.self = c;
  t.equal(describeValue(c), '{a: 1, self: <cycle>}');
  const deep = JSON.parse('['.repeat(1e6) + ']'.repeat(1e6));
  t.equal(describeValue(deep), '[[[[...]]]]');
  const wide = describeValue(Array.from({ length: 1e6 }, (_, i) => i));
  t.equal(wide, '[0, 1, 2, 3, 4, 5, ... (1000000 items)]');
  t.ok(describeValue({ ['k'.repeat(1e5)]: 'v'.repeat(1e5) }).length <= 124);
  t.equal(describeValue(Symbol('s')), 'a symbol');
  const hostile = new Proxy({}, { ownKeys() { throw new Error('no'); } });
  t.equal(describeValue(hostile), '{}', 'a throwing proxy is described, not thrown');
});

t.test('boundMessage and listNames cap length', async (t) => {
  t.ok(boundMessage('m'.repeat(1e6)).length < MAX_MESSAGE_CHARS + 60);
  t.equal(listNames(['a', 'b', 'c'], 2), 'a, b, ... (3 in all)');
});

t.test('jsonDepth: linear scan, strings skipped, stops past the limit', async (t) => {
  const { jsonDepth } = await import('../../src/ts/core/text.js');
  t.equal(jsonDepth('{"a":[1,{"b":[]}]}'), 4);
  t.equal(jsonDepth('{"a":"[[[[\\"[[["}'), 1, 'brackets inside strings (and escaped quotes) do not count');
  t.equal(jsonDepth('['.repeat(1e6), 10), 11, 'stops once past the limit');
  t.equal(jsonDepth('3'), 0);
});
