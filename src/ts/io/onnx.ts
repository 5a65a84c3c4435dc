// ONNX export (opset 17) of any model, for inference, built by tracing one eval-mode forward pass
// through core/ops (setTracer): every traced record becomes one or a few ONNX nodes.
//
// Layout: the ONNX graph is NCHW like torchvision's (input [N, C, H, W]); our activations are NHWC.
// Every rank-4 tensor of ours [n, h, w, c] is therefore the ONNX value [n, c, h, w]; other ranks are
// the same on both sides. Reshapes out of rank 4 go through a Transpose to NHWC first so the flatten
// order (and hence the following Linear's weights) is ours. Conv filters go out as OIHW.
import { ConvnetsError } from '../core/backend.js';
import type { ActivationKind, BatchNormParams, Conv2dParams, Pool2dParams } from '../core/backend.js';
import { setTracer } from '../core/ops.js';
import type { TraceRecord } from '../core/ops.js';
import { getBackend } from '../core/registry.js';
import { adaptivePoolMatrix } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import type { Module } from '../nn/module.js';
import { ATTR, ONNX_FLOAT, ONNX_INT64, onnxTypes } from './onnx-schema.js';
import { writeFileAtomic } from './safetensors.js';

export const ONNX_OPSET = 17;
/** IR version 8 is the one that goes with opset 17 (ONNX 1.12). */
export const ONNX_IR_VERSION = 8;

export interface OnnxExportOptions {
  /** Square spatial size of the traced input (default: the model's defaultInputSize, else 224). */
  inputSize?: number;
  /** Input channels (default: the model's inputChannels, else 3). */
  inputChannels?: number;
  /** Batch dimension: a fixed size, or 'dynamic' (symbolic 'N', the default). */
  batch?: number | 'dynamic';
  /** Graph name / producer metadata. */
  name?: string;
  /** Extra metadata_props. */
  metadata?: Record<string, string>;
}

interface AttrProto { name: string; type: number; i?: number; f?: number; ints?: number[]; floats?: number[]; s?: Uint8Array }
interface NodeProtoObj { input: string[]; output: string[]; name: string; opType: string; attribute: AttrProto[] }
interface TensorProtoObj { name: string; dims: number[]; dataType: number; rawData: Uint8Array }

const attrI = (name: string, i: number): AttrProto => ({ name, type: ATTR.INT, i });
const attrF = (name: string, f: number): AttrProto => ({ name, type: ATTR.FLOAT, f });
const attrInts = (name: string, ints: number[]): AttrProto => ({ name, type: ATTR.INTS, ints });

type ModelLike = Module & { defaultInputSize?: number; inputChannels?: number };

/** Builds the ONNX graph from trace records. */
class GraphBuilder {
  readonly nodes: NodeProtoObj[] = [];
  readonly initializers: TensorProtoObj[] = [];
  private readonly names = new Map<Tensor, string>();
  private readonly weightNames = new Map<Tensor, string>();
  private readonly usedNames = new Set<string>();
  private counter = 0;

  constructor(private readonly paramNames: Map<Tensor, string>) {}

  fresh(hint: string): string {
    let n = hint;
    while (this.usedNames.has(n)) n = `${hint}_${++this.counter}`;
    this.usedNames.add(n);
    return n;
  }

  bind(t: Tensor, name: string): void { this.names.set(t, name); }

  value(t: Tensor, op: string): string {
    const n = this.names.get(t);
    if (n === undefined) {
      throw new ConvnetsError(`onnx export: op '${op}' reads a tensor ${JSON.stringify(t.shape)} that no traced op produced ` +
        '(a module computed it outside core/ops?)');
    }
    return n;
  }

  node(opType: string, inputs: string[], attrs: AttrProto[] = [], outName?: string): string {
    const out = outName ?? this.fresh(`${opType.toLowerCase()}_${this.nodes.length}`);
    this.nodes.push({ input: inputs, output: [out], name: `${opType}_${this.nodes.length}`, opType, attribute: attrs });
    return out;
  }

  floatInit(hint: string, dims: number[], data: Float32Array): string {
    const name = this.fresh(hint);
    // Callers pass arrays they own (fresh copies), so a view suffices.
    this.initializers.push({ name, dims, dataType: ONNX_FLOAT, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
    return name;
  }

  int64Init(hint: string, values: number[]): string {
    const name = this.fresh(hint);
    const data = BigInt64Array.from(values.map((v) => BigInt(v)));
    this.initializers.push({ name, dims: [values.length], dataType: ONNX_INT64, rawData: new Uint8Array(data.buffer) });
    return name;
  }

  /** A weight tensor as an initializer (once per tensor), named after its parameter when known. */
  weight(t: Tensor, layout: 'plain' | 'ohwi'): string {
    const cached = this.weightNames.get(t);
    if (cached !== undefined) return cached;
    const data = t.toFloat32();
    let dims = [...t.shape];
    let values = data;
    if (layout === 'ohwi') {
      const [o, kh, kw, i] = t.shape;
      values = new Float32Array(data.length);
      for (let a = 0; a < o; a++) for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let c = 0; c < i; c++) {
        values[((a * i + c) * kh + y) * kw + x] = data[((a * kh + y) * kw + x) * i + c];
      }
      dims = [o, i, kh, kw];
    }
    const name = this.floatInit(this.paramNames.get(t) ?? `const_${this.initializers.length}`, dims, values);
    this.weightNames.set(t, name);
    return name;
  }

  activation(kind: ActivationKind, x: string, outName?: string): string {
    switch (kind) {
      case 'relu': return this.node('Relu', [x], [], outName);
      case 'sigmoid': return this.node('Sigmoid', [x], [], outName);
      case 'hardswish': return this.node('HardSwish', [x], [], outName);
      // torch: hardsigmoid(x) = relu6(x + 3) / 6
      case 'hardsigmoid': return this.node('HardSigmoid', [x], [attrF('alpha', 1 / 6), attrF('beta', 0.5)], outName);
      case 'relu6': {
        const lo = this.floatInit('clip_min', [], Float32Array.of(0));
        const hi = this.floatInit('clip_max', [], Float32Array.of(6));
        return this.node('Clip', [x, lo, hi], [], outName);
      }
      case 'silu': return this.node('Mul', [x, this.node('Sigmoid', [x])], [], outName);
      case 'gelu': {
        // Opset 17 has no Gelu (opset 20 does): x * 0.5 * (1 + erf(x / sqrt 2)), torch's exact form.
        const erf = this.node('Erf', [this.node('Div', [x, this.floatInit('gelu_sqrt2', [], Float32Array.of(Math.SQRT2))])]);
        const half = this.node('Mul', [this.node('Add', [erf, this.floatInit('gelu_one', [], Float32Array.of(1))]),
          this.floatInit('gelu_half', [], Float32Array.of(0.5))]);
        return this.node('Mul', [x, half], [], outName);
      }
      default: throw new ConvnetsError(`onnx export: activation '${String(kind)}' has no ONNX mapping`);
    }
  }

  /** Maps one traced record to nodes and binds its output. */
  record(r: TraceRecord): void {
    const op = r.op;
    const w = (k: string): Tensor | null => r.weights[k] ?? null;
    const inName = (i: number): string => this.value(r.inputs[i], op);
    let out: string;
    switch (op) {
      case 'conv2d': case 'dwconv2d': case 'pwconv2d': {
        const p = r.params as Conv2dParams;
        const filt = w('w');
        if (!filt) throw new ConvnetsError(`onnx export: ${op} record has no filter`);
        // ONNX needs explicit end pads; the kernel's are implied by the output size (shape.ts).
        const padB = Math.max(0, (p.outH - 1) * p.strideH + (p.kH - 1) * p.dilationH + 1 - p.inH - p.padTop);
        const padR = Math.max(0, (p.outW - 1) * p.strideW + (p.kW - 1) * p.dilationW + 1 - p.inW - p.padLeft);
        const inputs = [inName(0), this.weight(filt, 'ohwi')];
        const b = w('bias');
        if (b) inputs.push(this.weight(b, 'plain'));
        out = this.node('Conv', inputs, [
          attrInts('kernel_shape', [p.kH, p.kW]), attrInts('strides', [p.strideH, p.strideW]),
          attrInts('pads', [p.padTop, p.padLeft, padB, padR]), attrInts('dilations', [p.dilationH, p.dilationW]),
          attrI('group', p.groups),
        ]);
        if (p.activation) out = this.activation(p.activation, out);
        break;
      }
      case 'batchNormInference': case 'batchNormTrain': {
        // batchNormTrain only appears when a module is left in training mode; export the running stats.
        const p = r.params as BatchNormParams;
        const ws = ['gamma', 'beta', 'mean', 'variance'].map((k) => {
          const t = w(k);
          if (!t) throw new ConvnetsError(`onnx export: ${op} record has no ${k}`);
          return this.weight(t, 'plain');
        });
        out = this.node('BatchNormalization', [inName(0), ...ws], [attrF('epsilon', p.eps)]);
        break;
      }
      case 'activation': {
        const kind = (r.params as { kind: ActivationKind }).kind;
        out = this.activation(kind, inName(0));
        break;
      }
      case 'add': out = this.node('Add', [inName(0), inName(1)]); break;
      case 'mul': out = this.node('Mul', [inName(0), inName(1)]); break;
      case 'channelScale': {
        let s = inName(1);
        const st = r.inputs[1];
        const x = r.inputs[0];
        // s is [n,1,1,c] (ONNX [n,c,1,1], broadcasts as is) or [n,c] (reshaped to [n,c,1,1]).
        if (st.shape.length !== 4) {
          if (x.shape.length !== 4) throw new ConvnetsError(`onnx export: channelScale of a rank-${x.shape.length} input`);
          s = this.node('Reshape', [s, this.int64Init('se_shape', [0, x.shape[3], 1, 1])]);
        }
        out = this.node('Mul', [inName(0), s]);
        break;
      }
      case 'concat': {
        const rank = r.output.shape.length;
        out = this.node('Concat', r.inputs.map((_, i) => inName(i)), [attrI('axis', rank === 4 ? 1 : rank - 1)]);
        break;
      }
      case 'maxPool2d': case 'avgPool2d': {
        const p = r.params as Pool2dParams;
        const ceil = Boolean((r.attrs as { ceilMode?: boolean } | undefined)?.ceilMode);
        out = this.pool(op, p, ceil, inName(0));
        break;
      }
      case 'globalAvgPool': {
        out = this.node('GlobalAveragePool', [inName(0)]);
        if (r.output.shape.length === 2) out = this.node('Flatten', [out], [attrI('axis', 1)]);
        break;
      }
      case 'dense': {
        const wt = w('w');
        if (!wt) throw new ConvnetsError('onnx export: dense record has no weight');
        let x = inName(0);
        if (r.inputs[0].shape.length !== 2) x = this.flattenNhwc(r.inputs[0], x);
        const inputs = [x, this.weight(wt, 'plain')];
        const b = w('bias');
        if (b) inputs.push(this.weight(b, 'plain'));
        out = this.node('Gemm', inputs, [attrI('transB', 1)]);
        break;
      }
      case 'reshape': out = this.reshape(r.inputs[0], inName(0), r.output.shape); break;
      case 'dropout': out = inName(0); break; // identity at inference
      case 'adaptiveAvgPool2d': {
        // Uneven windows (ONNX has no such pool): NCHW -> [N, C, H*W] . P^T -> [N, C, outH, outW].
        const p = r.params as { inH: number; inW: number; c: number; outH: number; outW: number };
        const m = adaptivePoolMatrix(p.inH, p.inW, p.outH, p.outW);
        const hw = p.inH * p.inW, o = p.outH * p.outW;
        const mt = new Float32Array(hw * o);
        for (let i = 0; i < o; i++) for (let j = 0; j < hw; j++) mt[j * o + i] = m[i * hw + j];
        const flat = this.node('Reshape', [inName(0), this.int64Init('shape', [0, p.c, hw])]);
        const pooled = this.node('MatMul', [flat, this.floatInit('adaptive_pool', [hw, o], mt)]);
        out = this.node('Reshape', [pooled, this.int64Init('shape', [0, p.c, p.outH, p.outW])]);
        break;
      }
      default:
        throw new ConvnetsError(`onnx export: traced op '${op}' has no ONNX mapping`);
    }
    this.bind(r.output, out);
  }

  private pool(op: string, p: Pool2dParams, ceil: boolean, x: string): string {
    const type = op === 'maxPool2d' ? 'MaxPool' : 'AveragePool';
    // The end pad that yields outH exactly (ceil mode's overhang included).
    const needB = (p.outH - 1) * p.strideH + p.kH - p.inH - p.padTop;
    const needR = (p.outW - 1) * p.strideW + p.kW - p.inW - p.padLeft;
    const attrs = [attrInts('kernel_shape', [p.kH, p.kW]), attrInts('strides', [p.strideH, p.strideW])];
    const padB = p.padBottom, padR = p.padRight;
    const overhang = needB > padB || needR > padR;
    if (type === 'MaxPool' || !p.countIncludePad || !overhang) {
      // Max ignores padded cells and count_include_pad=0 never counts them: explicit end pads are exact.
      // With count_include_pad=1 and no overhang the declared pads are exact too.
      const pads = type === 'AveragePool' && p.countIncludePad
        ? [p.padTop, p.padLeft, padB, padR]
        : [p.padTop, p.padLeft, Math.max(0, needB), Math.max(0, needR)];
      attrs.push(attrInts('pads', pads));
      if (type === 'AveragePool') attrs.push(attrI('count_include_pad', p.countIncludePad ? 1 : 0));
    } else {
      // Counted padding plus a ceil-mode overhang that torch does not count: ONNX's ceil_mode matches.
      attrs.push(attrInts('pads', [p.padTop, p.padLeft, padB, padR]), attrI('ceil_mode', ceil ? 1 : 0),
        attrI('count_include_pad', 1));
    }
    return this.node(type, [x], attrs);
  }

  /** Our rank-4 [n,h,w,c] flattened in NHWC order: ONNX NCHW -> Transpose -> Flatten. */
  private flattenNhwc(t: Tensor, x: string): string {
    const [, h, w] = t.shape;
    const src = h === 1 && w === 1 ? x : this.node('Transpose', [x], [attrInts('perm', [0, 2, 3, 1])]);
    return this.node('Flatten', [src], [attrI('axis', 1)]);
  }

  private reshape(src: Tensor, x: string, shape: readonly number[]): string {
    const batchKept = shape[0] === src.shape[0];
    const target = shape.map((d, i) => (i === 0 && batchKept ? 0 : d));
    if (src.shape.length === 4 && shape.length === 2 && batchKept) return this.flattenNhwc(src, x);
    let v = x;
    if (src.shape.length === 4) v = this.node('Transpose', [v], [attrInts('perm', [0, 2, 3, 1])]);
    v = this.node('Reshape', [v, this.int64Init('shape', target)]);
    if (shape.length === 4) v = this.node('Transpose', [v], [attrInts('perm', [0, 3, 1, 2])]);
    return v;
  }
}

/** ONNX value shape of one of our tensors (rank 4: NHWC -> NCHW), batch made symbolic if asked. */
function onnxShape(shape: readonly number[], dynamicBatch: boolean): ({ dimValue: number } | { dimParam: string })[] {
  const s = shape.length === 4 ? [shape[0], shape[3], shape[1], shape[2]] : [...shape];
  return s.map((d, i) => (i === 0 && dynamicBatch ? { dimParam: 'N' } : { dimValue: d }));
}

/**
 * Traces `model` (eval mode) at the given input size and returns the serialised ONNX ModelProto.
 * Input 'input' [N, C, H, W], output 'output' (logits), weights as initializers named like the
 * model's parameters (conv filters in OIHW).
 */
export function exportOnnx(model: ModelLike, opts: OnnxExportOptions = {}): Uint8Array {
  const size = opts.inputSize ?? model.defaultInputSize ?? 224;
  const channels = opts.inputChannels ?? model.inputChannels ?? 3;
  const batch = opts.batch === undefined || opts.batch === 'dynamic' ? 1 : opts.batch;
  const dynamic = opts.batch === undefined || opts.batch === 'dynamic';
  if (!Number.isInteger(size) || size <= 0) throw new ConvnetsError(`onnx export: inputSize must be a positive integer, got ${size}`);
  if (!Number.isInteger(batch) || batch <= 0) throw new ConvnetsError(`onnx export: batch must be a positive integer or 'dynamic', got ${opts.batch}`);

  const paramNames = new Map<Tensor, string>();
  for (const [n, p] of model.namedParameters()) paramNames.set(p.value, n);
  for (const [n, b] of model.namedBuffers()) paramNames.set(b, n);

  const g = new GraphBuilder(paramNames);
  const backend = paramNames.size > 0 ? [...paramNames.keys()][0].backend : getBackend();
  const x = Tensor.uniform([batch, size, size, channels], 7, -1, 1, backend);
  g.bind(x, g.fresh('input'));
  const records: TraceRecord[] = [];
  const wasTraining = [...model.namedModules()].map(([, m]) => m.training);
  model.eval();
  const prev = setTracer({ record: (r) => records.push(r) });
  let y: Tensor;
  try {
    y = model.forward(x, { training: false });
  } finally {
    setTracer(prev);
    [...model.namedModules()].forEach(([, m], i) => { m.training = wasTraining[i]; });
  }
  try {
    for (const r of records) g.record(r);
    const outName = g.value(y, 'output');
    // Rename the last value to 'output' (an Identity keeps the graph simple when the output is the input).
    const last = g.nodes.find((n) => n.output[0] === outName);
    let finalName = 'output';
    if (last && outName !== 'input') last.output[0] = finalName;
    else finalName = g.node('Identity', [outName], [], 'output');
    // Any later node reading the renamed value must read 'output' too.
    for (const n of g.nodes) n.input = n.input.map((v) => (v === outName ? finalName : v));

    const tensorType = (shape: readonly number[]) => ({ tensorType: { elemType: ONNX_FLOAT, shape: { dim: onnxShape(shape, dynamic) } } });
    return encodeModel({
      irVersion: ONNX_IR_VERSION,
      producerName: 'convnets',
      producerVersion: '0.1.0',
      opsetImport: [{ domain: '', version: ONNX_OPSET }],
      metadataProps: Object.entries(opts.metadata ?? {}).map(([key, value]) => ({ key, value })),
    }, {
      name: opts.name ?? model.typeName,
      node: g.nodes,
      input: [{ name: 'input', type: tensorType(x.shape) }],
      output: [{ name: finalName, type: tensorType(y.shape) }],
    }, g.initializers);
  } finally {
    x.dispose();
  }
}

function varintLength(n: number): number {
  let len = 1;
  while (n >= 128) { n = Math.floor(n / 128); len++; }
  return len;
}

function writeVarint(buf: Uint8Array, pos: number, n: number): number {
  while (n >= 128) { buf[pos++] = (n % 128) | 128; n = Math.floor(n / 128); }
  buf[pos++] = n;
  return pos;
}

// Wire tags (field << 3 | 2, length-delimited): GraphProto.initializer = 5, TensorProto.raw_data = 9, ModelProto.graph = 7.
const TAG_INITIALIZER = 42;
const TAG_RAW_DATA = 74;
const TAG_GRAPH = 58;

/**
 * Serialises the model. protobufjs encodes the small messages; the (large) initializers are spliced
 * in by hand: protobuf fields may come in any order and repeated/embedded fields concatenate, so
 * graph = encode(graph without initializers) ++ (tag, length, tensor)*, and the raw weight bytes are
 * copied exactly once into one preallocated buffer (protobufjs' writer copies them several times).
 */
function encodeModel(model: object, graph: object, inits: TensorProtoObj[]): Uint8Array {
  const { ModelProto, GraphProto, TensorProto } = onnxTypes();
  const check = (type: typeof ModelProto, msg: object): void => {
    const err = type.verify(msg);
    if (err) throw new ConvnetsError(`onnx export: internal error building the model: ${err}`);
  };
  check(ModelProto, model);
  check(GraphProto, graph);
  const modelHead = ModelProto.encode(ModelProto.fromObject(model)).finish();
  const graphHead = GraphProto.encode(GraphProto.fromObject(graph)).finish();
  const tensors = inits.map((t) => {
    const head = { name: t.name, dims: t.dims, dataType: t.dataType };
    check(TensorProto, head);
    const h = TensorProto.encode(TensorProto.fromObject(head)).finish();
    const len = h.length + 1 + varintLength(t.rawData.length) + t.rawData.length;
    return { h, raw: t.rawData, len };
  });
  let graphLen = graphHead.length;
  for (const t of tensors) graphLen += 1 + varintLength(t.len) + t.len;
  const out = new Uint8Array(modelHead.length + 1 + varintLength(graphLen) + graphLen);
  out.set(modelHead, 0);
  let pos = modelHead.length;
  out[pos++] = TAG_GRAPH;
  pos = writeVarint(out, pos, graphLen);
  out.set(graphHead, pos); pos += graphHead.length;
  for (const t of tensors) {
    out[pos++] = TAG_INITIALIZER;
    pos = writeVarint(out, pos, t.len);
    out.set(t.h, pos); pos += t.h.length;
    out[pos++] = TAG_RAW_DATA;
    pos = writeVarint(out, pos, t.raw.length);
    out.set(t.raw, pos); pos += t.raw.length;
  }
  if (pos !== out.length) throw new ConvnetsError(`onnx export: internal error: wrote ${pos} of ${out.length} bytes`);
  return out;
}

/** exportOnnx + atomic write. */
export function exportOnnxFile(model: ModelLike, file: string, opts: OnnxExportOptions = {}): number {
  const bytes = exportOnnx(model, opts);
  writeFileAtomic(file, bytes);
  return bytes.length;
}

/** Decodes an ONNX model (for inspection and tests): node op types, inputs/outputs, initializer names. */
export function decodeOnnx(bytes: Uint8Array): { opTypes: string[]; initializers: { name: string; dims: number[] }[];
  inputs: string[]; outputs: string[]; opset: number; irVersion: number } {
  const { ModelProto } = onnxTypes();
  let m: Record<string, unknown>;
  try {
    m = ModelProto.toObject(ModelProto.decode(bytes), { longs: Number, defaults: false }) as Record<string, unknown>;
  } catch (e) {
    throw new ConvnetsError(`onnx: cannot decode model (${(e as Error).message})`);
  }
  const graph = (m.graph ?? {}) as { node?: { opType: string }[]; initializer?: { name: string; dims?: number[] }[];
    input?: { name: string }[]; output?: { name: string }[] };
  return {
    opTypes: (graph.node ?? []).map((n) => n.opType),
    initializers: (graph.initializer ?? []).map((t) => ({ name: t.name, dims: t.dims ?? [] })),
    inputs: (graph.input ?? []).map((v) => v.name),
    outputs: (graph.output ?? []).map((v) => v.name),
    opset: Number(((m.opsetImport as { version: number }[] | undefined) ?? [])[0]?.version ?? 0),
    irVersion: Number(m.irVersion ?? 0),
  };
}
