/**
 * NIR graphs that exercise every runnable node type on every backend (shared by
 * test/nir/backends.test.ts and the WebGL2 page test/browser/nirGpu.page.ts): deterministic
 * weights and Bernoulli input spikes, no files. Also the plain-JSON form of a graph, to hand a
 * graph read in Node to a browser page.
 */
import type { NirGraph, NirNode } from '../../src/nir/graph.js';
import { fromTypedArray, type Tensor } from '../../src/ops/tensor.js';

/** A deterministic stream of numbers in [0, 1) (a linear congruential generator). */
const stream = (seed: number) => {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
};

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
/** Uniform values in [lo, hi) as float32. */
const uniform = (shape: number[], seed: number, lo: number, hi: number): Tensor => {
  const next = stream(seed);
  return fromTypedArray(
    Float32Array.from({ length: size(shape) }, () => lo + (hi - lo) * next()),
    shape,
  );
};
const full = (shape: number[], v: number): Tensor => fromTypedArray(new Float32Array(size(shape)).fill(v), shape);

/** Input spikes `[T, batch, ...shape]` with probability `p`. */
export const spikes = (T: number, batch: number, shape: readonly number[], p: number, seed: number): Tensor => {
  const next = stream(seed);
  return fromTypedArray(
    Float32Array.from({ length: T * batch * size(shape) }, () => (next() < p ? 1 : 0)),
    [T, batch, ...shape],
  );
};

/** Conv2d → CubaLIF → AvgPool2d → Flatten → Affine → LIF → Output, and Affine → LI → Output (per-neuron τ). */
export const convGraph = (): NirGraph => {
  const cs = [4, 10, 8];
  return {
    type: 'NIRGraph',
    nodes: {
      input: { type: 'Input', shape: [2, 10, 8] },
      conv: {
        type: 'Conv2d',
        weight: uniform([4, 2, 3, 3], 1, -0.3, 0.9),
        bias: uniform([4], 2, -0.1, 0.1),
        stride: [1, 1],
        padding: [1, 1],
        dilation: [1, 1],
        groups: 1,
        inputShape: [10, 8],
      },
      lif1: {
        type: 'CubaLIF',
        tauSyn: uniform(cs, 3, 0.004, 0.01),
        tauMem: uniform(cs, 4, 0.01, 0.03),
        r: full(cs, 1),
        vLeak: full(cs, 0),
        vThreshold: full(cs, 0.3),
        vReset: full(cs, 0),
        wIn: full(cs, 1),
      },
      pool: { type: 'AvgPool2d', kernelSize: [2, 2], stride: [2, 2], padding: [0, 0] },
      flat: { type: 'Flatten', startDim: 0, endDim: -1, inputType: [4, 5, 4] },
      fc: { type: 'Affine', weight: uniform([6, 80], 5, -0.2, 0.6), bias: uniform([6], 6, 0, 0.05) },
      lif2: {
        type: 'LIF',
        tau: uniform([6], 7, 0.005, 0.02),
        r: full([6], 1),
        vLeak: full([6], 0),
        vThreshold: full([6], 0.1),
        vReset: full([6], 0),
      },
      fc2: { type: 'Affine', weight: uniform([3, 80], 8, -0.5, 0.5), bias: full([3], 0) },
      li: { type: 'LI', tau: uniform([3], 9, 0.005, 0.02), r: full([3], 1), vLeak: full([3], 0) },
      output: { type: 'Output', shape: [6] },
      readout: { type: 'Output', shape: [3] },
    },
    edges: [
      ['input', 'conv'],
      ['conv', 'lif1'],
      ['lif1', 'pool'],
      ['pool', 'flat'],
      ['flat', 'fc'],
      ['fc', 'lif2'],
      ['lif2', 'output'],
      ['flat', 'fc2'],
      ['fc2', 'li'],
      ['li', 'readout'],
    ],
  };
};

/** Conv1d (stride 2, groups 2) → IF → Flatten → Linear → CubaLI → Output; Linear → Scale → Threshold → I → Output. */
export const conv1dGraph = (): NirGraph => ({
  type: 'NIRGraph',
  nodes: {
    input: { type: 'Input', shape: [2, 16] },
    conv: {
      type: 'Conv1d',
      weight: uniform([4, 1, 3], 11, -0.2, 1),
      bias: full([4], 0.05),
      stride: [2],
      padding: [1],
      dilation: [1],
      groups: 2,
      inputShape: [16],
    },
    if1: { type: 'IF', r: full([4, 8], 1), vThreshold: uniform([4, 8], 12, 0.4, 0.8), vReset: full([4, 8], 0) },
    flat: { type: 'Flatten', startDim: 0, endDim: -1, inputType: [4, 8] },
    lin: { type: 'Linear', weight: uniform([5, 32], 13, -0.3, 0.7) },
    li: { type: 'CubaLI', tauSyn: full([5], 0.005), tauMem: full([5], 0.01), r: full([5], 2), vLeak: full([5], 0.1), wIn: full([5], 1.5) },
    scale: { type: 'Scale', scale: uniform([5], 14, 0.5, 2) },
    thr: { type: 'Threshold', threshold: full([5], 0.5) },
    int: { type: 'I', r: full([5], 0.25) },
    output: { type: 'Output', shape: [5] },
    count: { type: 'Output', shape: [5] },
  },
  edges: [
    ['input', 'conv'],
    ['conv', 'if1'],
    ['if1', 'flat'],
    ['flat', 'lin'],
    ['lin', 'li'],
    ['li', 'output'],
    ['lin', 'scale'],
    ['scale', 'thr'],
    ['thr', 'int'],
    ['int', 'count'],
  ],
});

/** Affine → CubaLIF with a recurrent Linear (nested subgraph) → Delay → LIF → Output: runs step by step. */
export const recurrentGraph = (): NirGraph => ({
  type: 'NIRGraph',
  nodes: {
    input: { type: 'Input', shape: [4] },
    w_in: { type: 'Affine', weight: uniform([6, 4], 21, -0.2, 0.8), bias: full([6], 0.02) },
    rnn: {
      type: 'NIRGraph',
      nodes: {
        input: { type: 'Input', shape: [6] },
        lif: {
          type: 'CubaLIF',
          tauSyn: full([6], 0.005),
          tauMem: uniform([6], 22, 0.01, 0.02),
          r: full([6], 1),
          vLeak: full([6], 0),
          vThreshold: full([6], 0.25),
          vReset: full([6], 0),
          wIn: full([6], 1),
        },
        w_rec: { type: 'Linear', weight: uniform([6, 6], 23, -0.4, 0.4) },
        output: { type: 'Output', shape: [6] },
      },
      edges: [
        ['input', 'lif'],
        ['lif', 'w_rec'],
        ['w_rec', 'lif'],
        ['lif', 'output'],
      ],
    } as NirNode,
    delay: { type: 'Delay', delay: fromTypedArray(Float32Array.from([0, 0.001, 0.002, 0.003, 0.001, 0]), [6]) },
    lif: { type: 'LIF', tau: full([6], 0.01), r: full([6], 5), vLeak: full([6], 0), vThreshold: full([6], 0.2), vReset: full([6], 0) },
    output: { type: 'Output', shape: [6] },
  },
  edges: [
    ['input', 'w_in'],
    ['w_in', 'rnn'],
    ['rnn', 'delay'],
    ['delay', 'lif'],
    ['lif', 'output'],
  ],
});

/** The graphs with their input shapes. */
export const backendGraphs = (): { name: string; graph: NirGraph; input: number[] }[] => [
  { name: 'conv2d', graph: convGraph(), input: [2, 10, 8] },
  { name: 'conv1d', graph: conv1dGraph(), input: [2, 16] },
  { name: 'recurrent', graph: recurrentGraph(), input: [4] },
];

/** A graph as plain JSON (tensors as `{ shape, data: number[] }`), for `page.evaluate`. */
export const toPlain = (v: unknown): unknown => {
  if (v !== null && typeof v === 'object') {
    if ('data' in v && 'shape' in v && ArrayBuffer.isView((v as Tensor).data)) {
      return { $tensor: true, shape: [...(v as Tensor).shape], data: Array.from((v as Tensor).data) };
    }
    if (Array.isArray(v)) return v.map(toPlain);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toPlain(x)]));
  }
  return v;
};

/** The inverse of {@link toPlain} (tensors as float32). */
export const fromPlain = (v: unknown): unknown => {
  if (v !== null && typeof v === 'object') {
    if ('$tensor' in v) {
      const t = v as unknown as { shape: number[]; data: number[] };
      return fromTypedArray(Float32Array.from(t.data), t.shape);
    }
    if (Array.isArray(v)) return v.map(fromPlain);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fromPlain(x)]));
  }
  return v;
};
