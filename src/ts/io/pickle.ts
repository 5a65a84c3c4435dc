// A restricted unpickler for PyTorch state dicts, in the spirit of torch.load(weights_only=True):
// it rebuilds plain data (None, bools, ints, floats, strings, bytes, tuples, lists, dicts), ordered
// dicts, storages (through the caller's persistent_load) and tensors via
// torch._utils._rebuild_tensor_v2. Every other global is refused by name, so no pickle can run code
// (`posix.system`, `builtins.eval`, a `__reduce__` payload: all are globals). Nothing is evaluated
// beyond these few constructors; the stack, the memo, container sizes and mark nesting are bounded;
// every length is checked against the bytes left before anything is decoded.
import { ConvnetsError } from '../core/backend.js';

/** A Python tuple (kept apart from lists so argument shapes can be checked). */
export class PyTuple { constructor(readonly items: unknown[]) {} }
/** A Python dict / OrderedDict with primitive keys, in insertion order. */
export class PyDict {
  readonly map = new Map<unknown, unknown>();
  /** Attributes set by BUILD (OrderedDict's `_metadata` in a state dict). */
  attrs: unknown = undefined;
}
/** An allowed global, resolved by name; calling it is done by `reduce` below. */
export class PyGlobal { constructor(readonly module: string, readonly name: string) {} get full(): string { return `${this.module}.${this.name}`; } }

export interface StorageRef {
  kind: 'storage'; key: string; dtype: string; numel: number; location: string;
  /** Element offset inside the root storage (legacy-format storage views; 0 otherwise). */
  base: number;
}
export interface TensorRef { kind: 'tensor'; storage: StorageRef; offset: number; shape: number[]; stride: number[] }

export const isStorage = (v: unknown): v is StorageRef => typeof v === 'object' && v !== null && (v as StorageRef).kind === 'storage';
export const isTensor = (v: unknown): v is TensorRef => typeof v === 'object' && v !== null && (v as TensorRef).kind === 'tensor';

/** torch storage classes -> our dtype names (safetensors' spelling) and element sizes. */
export const STORAGE_DTYPES: Record<string, [string, number]> = {
  FloatStorage: ['F32', 4], HalfStorage: ['F16', 2], BFloat16Storage: ['BF16', 2], DoubleStorage: ['F64', 8],
  LongStorage: ['I64', 8], IntStorage: ['I32', 4], ShortStorage: ['I16', 2], CharStorage: ['I8', 1],
  ByteStorage: ['U8', 1], BoolStorage: ['BOOL', 1],
};

const ALLOWED_GLOBALS = new Set([
  'collections.OrderedDict', 'torch._utils._rebuild_tensor_v2', 'torch._utils._rebuild_tensor', 'torch._utils._rebuild_parameter',
  ...Object.keys(STORAGE_DTYPES).map((k) => `torch.${k}`),
]);

export interface UnpickleLimits { maxStack?: number; maxMemo?: number; maxMarks?: number; maxItems?: number; maxDims?: number }
const LIMITS: Required<UnpickleLimits> = { maxStack: 1_000_000, maxMemo: 1_000_000, maxMarks: 10_000, maxItems: 5_000_000, maxDims: 16 };

export interface UnpickleOptions extends UnpickleLimits {
  /** Name for error messages (file and entry). */
  source: string;
  /** Resolves a BINPERSID id (torch: ('storage', StorageClass, key, location, numel[, view])). */
  persistentLoad?: (pid: unknown) => unknown;
}

/** A short, bounded description of a value for error messages (never recursive beyond one level). */
export function describe(v: unknown): string {
  if (v === null) return 'None';
  if (typeof v === 'string') return `'${v.length > 40 ? `${v.slice(0, 40)}...` : v}'`.replace(/[^\x20-\x7e]/g, '?');
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v instanceof PyTuple) return `tuple(${v.items.length})`;
  if (Array.isArray(v)) return `list(${v.length})`;
  if (v instanceof PyDict) return `dict(${v.map.size})`;
  if (v instanceof PyGlobal) return v.full;
  if (v instanceof Uint8Array) return `bytes(${v.length})`;
  if (isTensor(v)) return `tensor[${v.shape.join(', ')}]`;
  if (isStorage(v)) return `storage(${v.dtype}, ${v.numel})`;
  return typeof v;
}

const clean = (s: string): string => (s.length > 80 ? `${s.slice(0, 80)}...` : s).replace(/[^\x20-\x7e]/g, '?');

/** Parses one pickle starting at `start`; returns the value and the offset just past its STOP. */
export function unpickle(bytes: Uint8Array, opts: UnpickleOptions, start = 0): { value: unknown; end: number } {
  const lim = { ...LIMITS, ...opts };
  const fail = (msg: string): never => { throw new ConvnetsError(`pickle ${opts.source}: ${msg}`); };
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();
  let items = 0;
  let pos = start;

  const need = (n: number, what: string): void => {
    if (!Number.isSafeInteger(n) || n < 0 || pos + n > bytes.length) fail(`${what} of ${n} bytes at offset ${pos} runs past the end of the data (${bytes.length} bytes; truncated?)`);
  };
  const push = (v: unknown): void => { if (stack.length >= lim.maxStack) fail(`stack exceeds ${lim.maxStack} entries`); stack.push(v); };
  const pop = (): unknown => { if (stack.length === 0 || stack.length <= (marks.at(-1) ?? -1)) fail(`stack underflow at offset ${pos}`); return stack.pop(); };
  const top = (): unknown => { if (stack.length === 0) fail(`stack underflow at offset ${pos}`); return stack[stack.length - 1]; };
  const popMark = (): unknown[] => {
    const m = marks.pop();
    if (m === undefined) fail(`no MARK at offset ${pos}`);
    return stack.splice(m as number);
  };
  const count = (n: number): void => { items += n; if (items > lim.maxItems) fail(`more than ${lim.maxItems} container items`); };
  const u8 = (): number => { need(1, 'byte'); return bytes[pos++]; };
  const u32 = (): number => { need(4, 'length'); const v = dv.getUint32(pos, true); pos += 4; return v; };
  const u64 = (): number => {
    need(8, 'length'); const v = Number(dv.getBigUint64(pos, true)); pos += 8;
    if (!Number.isSafeInteger(v)) fail(`length ${v} is not representable`);
    return v;
  };
  const take = (n: number, what: string): Uint8Array => { need(n, what); const b = bytes.subarray(pos, pos + n); pos += n; return b; };
  const utf8 = (b: Uint8Array): string => {
    try { return new TextDecoder('utf-8', { fatal: true }).decode(b); } catch { return fail('string is not valid UTF-8'); }
  };
  const line = (what: string): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0 || end - pos > 1024) fail(`${what}: no newline within 1024 bytes at offset ${pos}`);
    const s = new TextDecoder('latin1').decode(bytes.subarray(pos, end)); pos = end + 1; return s;
  };
  const key = (k: unknown): unknown => {
    if (k === null || ['string', 'number', 'boolean', 'bigint'].includes(typeof k)) return k;
    return fail(`dict key of type ${describe(k)} is not supported in a state dict`);
  };
  const global = (module: string, name: string): PyGlobal => {
    const full = `${module}.${name}`;
    if (!ALLOWED_GLOBALS.has(full)) {
      fail(`refusing global '${clean(full)}': only state-dict contents are loaded (${[...ALLOWED_GLOBALS].slice(0, 3).join(', ')}, torch storages); ` +
        'this file may run code if loaded with Python pickle');
    }
    return new PyGlobal(module, name);
  };
  const long = (b: Uint8Array): number | bigint => {
    if (b.length === 0) return 0;
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };
  const ints = (v: unknown, what: string): number[] => {
    if (!(v instanceof PyTuple) && !Array.isArray(v)) fail(`${what} must be a tuple, got ${describe(v)}`);
    const a = v instanceof PyTuple ? v.items : v as unknown[];
    if (a.length > lim.maxDims) fail(`${what} has ${a.length} dimensions (limit ${lim.maxDims})`);
    return a.map((x) => (typeof x === 'number' && Number.isSafeInteger(x) && x >= 0 ? x : fail(`${what} holds ${describe(x)}, not a non-negative integer`)));
  };
  const reduce = (f: unknown, args: unknown): unknown => {
    if (!(f instanceof PyGlobal)) fail(`REDUCE on ${describe(f)}, which is not an allowed callable`);
    const fn = f as PyGlobal;
    if (!(args instanceof PyTuple)) fail(`REDUCE arguments of ${fn.full} must be a tuple, got ${describe(args)}`);
    const a = (args as PyTuple).items;
    switch (fn.full) {
      case 'collections.OrderedDict': {
        if (a.length !== 0) fail('OrderedDict() with arguments is not supported');
        return new PyDict();
      }
      case 'torch._utils._rebuild_tensor': // torch < 0.4 files: (storage, offset, size, stride)
      case 'torch._utils._rebuild_tensor_v2': {
        const v1 = fn.name === '_rebuild_tensor';
        if (v1 ? a.length !== 4 : a.length < 6 || a.length > 7) fail(`${fn.name} takes ${v1 ? 4 : '6 or 7'} arguments, got ${a.length}`);
        const [storage, offset] = a;
        if (!isStorage(storage)) fail(`${fn.name}: argument 1 is ${describe(storage)}, not a storage`);
        if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) fail(`${fn.name}: storage offset ${describe(offset)} is not a non-negative integer`);
        const shape = ints(a[2], 'tensor size'); const stride = ints(a[3], 'tensor stride');
        if (shape.length !== stride.length) fail(`tensor size has ${shape.length} dimensions but stride ${stride.length}`);
        return { kind: 'tensor', storage: storage as StorageRef, offset: offset as number, shape, stride } satisfies TensorRef;
      }
      case 'torch._utils._rebuild_parameter': {
        if (a.length !== 3 || !isTensor(a[0])) fail('_rebuild_parameter expects (tensor, requires_grad, hooks)');
        return a[0];
      }
      default: return fail(`${fn.full} is a type marker and cannot be called`);
    }
  };

  for (;;) {
    const at = pos;
    const op = u8();
    switch (op) {
      case 0x80: { const v = u8(); if (v > 5) fail(`pickle protocol ${v} is not supported`); break; } // PROTO
      case 0x95: u64(); break; // FRAME: a length hint only
      case 0x2e: { // STOP
        if (marks.length) fail('STOP inside an open MARK');
        if (stack.length !== 1) fail(`STOP with ${stack.length} values on the stack (expected 1)`);
        return { value: stack[0], end: pos };
      }
      case 0x28: if (marks.length >= lim.maxMarks) fail(`MARKs nested deeper than ${lim.maxMarks}`); marks.push(stack.length); break;
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: push(top()); break; // DUP
      case 0x4e: push(null); break;
      case 0x88: push(true); break;
      case 0x89: push(false); break;
      case 0x4a: need(4, 'int'); push(dv.getInt32(pos, true)); pos += 4; break; // BININT
      case 0x4b: push(u8()); break; // BININT1
      case 0x4d: need(2, 'int'); push(dv.getUint16(pos, true)); pos += 2; break; // BININT2
      case 0x8a: { const n = u8(); push(long(take(n, 'LONG1'))); break; }
      case 0x8b: { const n = u32(); if (n > 64) fail(`LONG4 of ${n} bytes (limit 64)`); push(long(take(n, 'LONG4'))); break; }
      case 0x47: need(8, 'float'); push(dv.getFloat64(pos, false)); pos += 8; break; // BINFLOAT (big-endian)
      case 0x49: { // INT (text; also True/False as 01/00)
        const s = line('INT');
        if (s === '01' || s === '00') push(s === '01');
        else { const v = Number(s); if (!Number.isSafeInteger(v)) fail(`INT '${clean(s)}' is not an integer`); push(v); }
        break;
      }
      case 0x58: push(utf8(take(u32(), 'BINUNICODE'))); break;
      case 0x8c: push(utf8(take(u8(), 'SHORT_BINUNICODE'))); break;
      case 0x8d: push(utf8(take(u64(), 'BINUNICODE8'))); break;
      case 0x55: push(new TextDecoder('latin1').decode(take(u8(), 'SHORT_BINSTRING'))); break;
      case 0x54: push(new TextDecoder('latin1').decode(take(u32(), 'BINSTRING'))); break;
      case 0x43: push(take(u8(), 'SHORT_BINBYTES').slice()); break;
      case 0x42: push(take(u32(), 'BINBYTES').slice()); break;
      case 0x8e: push(take(u64(), 'BINBYTES8').slice()); break;
      case 0x29: push(new PyTuple([])); break;
      case 0x85: push(new PyTuple([pop()])); break;
      case 0x86: { const b = pop(); const a = pop(); push(new PyTuple([a, b])); break; }
      case 0x87: { const c = pop(); const b = pop(); const a = pop(); push(new PyTuple([a, b, c])); break; }
      case 0x74: { const a = popMark(); count(a.length); push(new PyTuple(a)); break; } // TUPLE
      case 0x5d: push([]); break; // EMPTY_LIST
      case 0x6c: { const a = popMark(); count(a.length); push(a); break; } // LIST
      case 0x7d: push(new PyDict()); break; // EMPTY_DICT
      case 0x64: { // DICT
        const a = popMark(); if (a.length % 2) fail('DICT with an odd number of items');
        const d = new PyDict(); count(a.length / 2);
        for (let i = 0; i < a.length; i += 2) d.map.set(key(a[i]), a[i + 1]);
        push(d); break;
      }
      case 0x61: { const v = pop(); const l = top(); if (!Array.isArray(l)) fail(`APPEND to ${describe(l)}`); count(1); (l as unknown[]).push(v); break; }
      case 0x65: { // APPENDS
        const a = popMark(); const l = top(); if (!Array.isArray(l)) fail(`APPENDS to ${describe(l)}`);
        count(a.length); for (const v of a) (l as unknown[]).push(v); break;
      }
      case 0x73: { // SETITEM
        const v = pop(); const k = pop(); const d = top(); if (!(d instanceof PyDict)) fail(`SETITEM on ${describe(d)}`);
        count(1); (d as PyDict).map.set(key(k), v); break;
      }
      case 0x75: { // SETITEMS
        const a = popMark(); const d = top(); if (!(d instanceof PyDict)) fail(`SETITEMS on ${describe(d)}`);
        if (a.length % 2) fail('SETITEMS with an odd number of items');
        count(a.length / 2); for (let i = 0; i < a.length; i += 2) (d as PyDict).map.set(key(a[i]), a[i + 1]);
        break;
      }
      case 0x8f: push([]); break; // EMPTY_SET: a list is enough for plain data
      case 0x90: { const a = popMark(); const s = top(); if (!Array.isArray(s)) fail(`ADDITEMS to ${describe(s)}`); count(a.length); for (const v of a) (s as unknown[]).push(v); break; }
      case 0x91: { const a = popMark(); count(a.length); push(a); break; } // FROZENSET
      case 0x71: { const i = u8(); setMemo(i); break; } // BINPUT
      case 0x72: { const i = u32(); setMemo(i); break; } // LONG_BINPUT
      case 0x94: setMemo(memo.size); break; // MEMOIZE
      case 0x68: getMemo(u8()); break; // BINGET
      case 0x6a: getMemo(u32()); break; // LONG_BINGET
      case 0x63: { const m = line('GLOBAL module'); const n = line('GLOBAL name'); push(global(m, n)); break; }
      case 0x93: { // STACK_GLOBAL
        const n = pop(); const m = pop();
        if (typeof m !== 'string' || typeof n !== 'string') fail('STACK_GLOBAL needs two strings');
        push(global(m as string, n as string)); break;
      }
      case 0x52: { const args = pop(); const f = pop(); push(reduce(f, args)); break; } // REDUCE
      case 0x62: { // BUILD: only an OrderedDict's attribute dict (state_dict()._metadata)
        const state = pop(); const obj = top();
        if (!(obj instanceof PyDict) || !(state instanceof PyDict)) fail(`BUILD on ${describe(obj)} with ${describe(state)} is not allowed`);
        (obj as PyDict).attrs = state; break;
      }
      case 0x51: { // BINPERSID
        const pid = pop();
        if (!opts.persistentLoad) fail('persistent id without a storage resolver');
        push(opts.persistentLoad!(pid)); break;
      }
      default: {
        const names: Record<number, string> = {
          0x81: 'NEWOBJ', 0x92: 'NEWOBJ_EX', 0x69: 'INST', 0x6f: 'OBJ', 0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4',
          0x50: 'PERSID', 0x97: 'NEXT_BUFFER', 0x98: 'READONLY_BUFFER', 0x96: 'BYTEARRAY8',
        };
        fail(`opcode ${names[op] ?? `0x${op.toString(16).padStart(2, '0')}`} at offset ${at} is not allowed in a state dict`);
      }
    }
  }

  function setMemo(i: number): void {
    if (memo.size >= lim.maxMemo && !memo.has(i)) fail(`memo exceeds ${lim.maxMemo} entries`);
    memo.set(i, top());
  }
  function getMemo(i: number): void {
    if (!memo.has(i)) fail(`memo key ${i} is not defined`);
    push(memo.get(i));
  }
}
