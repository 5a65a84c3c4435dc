// Bounded, sanitised text for error messages built from untrusted input (file headers, JSON designs,
// checkpoint metadata): control characters (ANSI escapes included) are escaped, long strings and
// lists are cut, and nothing recurses, so a 5M-deep or 500k-entry value cannot blow the stack or
// produce a megabyte error line.

/** Longest error message any reader produces (a message is cut to this, with a note). */
export const MAX_MESSAGE_CHARS = 2000;

// C0, DEL, C1 controls, and the Unicode line/paragraph separators and bidi overrides that reorder text.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** `s` with control characters escaped (\u001b ...) and cut to `max` characters. */
export function safeText(s: string, max = 120): string {
  const str = String(s);
  const head = str.length > max ? str.slice(0, max) : str;
  let out = head.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (out.length > max + 40) out = out.slice(0, max + 40);
  return str.length > max ? `${out}... (${str.length} chars)` : out;
}

/**
 * A short description of any value (JSON-like), without recursion: at most `maxItems` entries per
 * level, `maxDepth` levels and `maxChars` characters. Cyclic values, BigInt, symbols and functions
 * are described, never thrown on.
 */
export function describeValue(v: unknown, maxChars = 120, maxItems = 6, maxDepth = 3): string {
  let out = '';
  // An explicit stack of pending pieces: either text to emit or a value to describe at a depth.
  type Item = { text: string } | { value: unknown; depth: number };
  const stack: Item[] = [{ value: v, depth: 0 }];
  const seen = new Set<object>();
  while (stack.length > 0 && out.length <= maxChars) {
    const it = stack.pop()!;
    if ('text' in it) { out += it.text; continue; }
    const x = it.value;
    if (x === null) out += 'null';
    else if (typeof x === 'string') out += `"${safeText(x, 40)}"`;
    else if (typeof x === 'number' || typeof x === 'boolean') out += String(x);
    else if (typeof x === 'bigint') out += `${safeText(x.toString(), 40)}n (BigInt)`;
    else if (typeof x === 'undefined') out += 'undefined';
    else if (typeof x === 'symbol') out += 'a symbol';
    else if (typeof x === 'function') out += 'a function';
    else if (typeof x === 'object') {
      if (seen.has(x)) { out += '<cycle>'; continue; }
      if (it.depth >= maxDepth) { out += Array.isArray(x) ? '[...]' : '{...}'; continue; }
      seen.add(x);
      // Pieces are pushed in reverse so they pop in order.
      const pieces: Item[] = [];
      if (Array.isArray(x)) {
        pieces.push({ text: '[' });
        const n = Math.min(x.length, maxItems);
        for (let i = 0; i < n; i++) {
          if (i) pieces.push({ text: ', ' });
          pieces.push({ value: x[i], depth: it.depth + 1 });
        }
        if (x.length > n) pieces.push({ text: `, ... (${x.length} items)` });
        pieces.push({ text: ']' });
      } else if (ArrayBuffer.isView(x)) {
        pieces.push({ text: `${x.constructor.name}(${(x as unknown as ArrayLike<unknown>).length ?? x.byteLength})` });
      } else {
        let keys: string[];
        try { keys = Object.keys(x); } catch { keys = []; }
        pieces.push({ text: '{' });
        const n = Math.min(keys.length, maxItems);
        for (let i = 0; i < n; i++) {
          if (i) pieces.push({ text: ', ' });
          let val: unknown;
          try { val = (x as Record<string, unknown>)[keys[i]]; } catch { val = '<unreadable>'; }
          pieces.push({ text: `${safeText(keys[i], 30)}: ` }, { value: val, depth: it.depth + 1 });
        }
        if (keys.length > n) pieces.push({ text: `, ... (${keys.length} keys)` });
        pieces.push({ text: '}' });
      }
      for (let i = pieces.length - 1; i >= 0; i--) stack.push(pieces[i]);
    } else out += typeof x;
  }
  return out.length > maxChars || stack.length > 0 ? `${out.slice(0, maxChars)}...` : out;
}

/** A message cut to MAX_MESSAGE_CHARS (its parts should already be bounded; this is the backstop). */
export function boundMessage(msg: string): string {
  return msg.length > MAX_MESSAGE_CHARS ? `${msg.slice(0, MAX_MESSAGE_CHARS)}... (message cut, ${msg.length} chars)` : msg;
}

/** A list of names, escaped and cut to `max` entries. */
export function listNames(names: readonly string[], max = 8, each = 60): string {
  const shown = names.slice(0, max).map((n) => safeText(n, each));
  return names.length > max ? `${shown.join(', ')}, ... (${names.length} in all)` : shown.join(', ');
}

/**
 * The deepest nesting of arrays/objects in JSON text, scanning at most until `limit` is passed (a
 * linear pass, strings skipped). Readers call it before JSON.parse: V8 parses deep nesting without
 * recursion, but a 100 MB header of brackets costs gigabytes and seconds to build and reject.
 */
export function jsonDepth(text: string, limit = Infinity): number {
  let depth = 0, max = 0, inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) { if (++depth > max) { max = depth; if (max > limit) return max; } }
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}
