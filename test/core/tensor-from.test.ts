// Issue 15 item 6: Tensor.from with values that are not numbers is a ConvnetsError naming the index
// (it used to give NaN silently); typed arrays and plain numbers still go straight through.
import t from 'tap';
import { JsBackend } from '../../src/ts/backends/js/index.js';
import { ConvnetsError } from '../../src/ts/core/backend.js';
import { Tensor } from '../../src/ts/core/tensor.js';

const be = new JsBackend();

t.test('non-numbers are refused with their index', async (t) => {
  t.throws(() => Tensor.from(['a', 'b'] as unknown as number[], [2], be), new ConvnetsError('Tensor.from: values[0] is a string, expected a number'));
  t.throws(() => Tensor.from([1, null] as unknown as number[], [2], be), /values\[1\] is null, expected a number/);
  t.throws(() => Tensor.from([1, 2, 3n] as unknown as number[], [3], be), /values\[2\] is bigint/);
  t.throws(() => Tensor.from([1, {}] as unknown as number[], [2], be), /values\[1\] is object/);
  t.throws(() => Tensor.from(null as unknown as number[], [2], be), /values must be an array or typed array of numbers, got null/);
  t.throws(() => Tensor.from('ab' as unknown as number[], [2], be), /values must be an array .* got string/);
  t.equal(be.allocated(), 0, 'nothing left allocated by the refusals');
});

t.test('numbers, NaN included, still load', async (t) => {
  t.same([...Tensor.from([1, -2.5], [2], be).data()], [1, -2.5]);
  t.same([...Tensor.from(new Float32Array([3, 4]), [2], be).data()], [3, 4]);
  t.ok(Number.isNaN(Tensor.from([NaN], [1], be).data()[0]), 'a numeric NaN is a number: the caller asked for it');
});
