// view() of the contract (memory section), shared by the js contract test and the wasm backend test:
// a view reads and writes its parent's scalars with no copy, kernels accept it, it is never freed
// itself, it dies with its parent, and it is not counted by allocated().
import type { Test } from 'tap';
import { ConvnetsError } from '../../src/ts/core/backend.js';
import type { Backend } from '../../src/ts/core/backend.js';

export async function checkViews(t: Test, be: Backend): Promise<void> {
  const before = be.allocated();
  const p = be.alloc(64);
  be.write(p, Array.from({ length: 64 }, (_, i) => i));
  const v = be.view(p, 16, 8);
  t.equal(v.length, 8, 'view length');
  t.equal(be.allocated(), before + 64, 'a view is not counted by allocated()');
  t.same([...be.read(v)], [16, 17, 18, 19, 20, 21, 22, 23], 'reads the parent\'s scalars');
  be.fill(v, -1);
  be.activation('relu', 8, v, v);
  const all = be.read(p);
  t.same([...all.slice(14, 26)], [14, 15, 0, 0, 0, 0, 0, 0, 0, 0, 24, 25], 'writes through to the parent, neighbours untouched (kernels take views)');
  const w = be.view(p, 60, 4);
  be.add(4, w, w, w);
  t.same([...be.read(w)], [120, 122, 124, 126], 'a view at the end of the parent');
  t.throws(() => be.view(p, 60, 5), ConvnetsError, 'a view past the end is refused');
  t.throws(() => be.view(p, -1, 2), ConvnetsError, 'a negative offset is refused');
  t.throws(() => be.free(v), ConvnetsError, 'freeing a view is refused');
  be.free(p);
  t.throws(() => be.read(v), ConvnetsError, 'a view dies with its parent');
  t.equal(be.allocated(), before, 'nothing left');
}
