/**
 * Shape inference over a flattened NIR graph: every unit's input and output shape (batch
 * excluded) from the graph's inputs and the nodes' parameters (Affine/Linear weights, conv and
 * pool geometry, Flatten dimensions, per-neuron parameter shapes), repeated until recurrent edges
 * settle.
 * @module
 */
import { convOutputShape } from '../ops/conv.js';
import { SpikeflowError } from '../ops/errors.js';
import { flattenShape, pool2dOutputShape } from '../ops/pool.js';
import { showShape, sizeOf } from '../ops/tensor.js';
import type { Leaf, Unit } from './flatten.js';

const paramShape = (node: Leaf): readonly number[] | undefined => {
  switch (node.type) {
    case 'CubaLIF':
    case 'CubaLI':
      return node.tauMem.shape;
    case 'LIF':
    case 'LI':
      return node.tau.shape;
    case 'IF':
      return node.vThreshold.shape;
    case 'I':
      return node.r.shape;
    case 'Delay':
      return node.delay.shape;
    case 'Scale':
      return node.scale.shape;
    case 'Threshold':
      return node.threshold.shape;
    default:
      return undefined;
  }
};

/** Output shape of a unit for an input shape (undefined input: inferred from the node alone). */
const outShapeOf = (u: Unit, inShape: number[] | undefined): number[] | undefined => {
  const n = u.node;
  const where = `nir node '${u.name}' (${n.type})`;
  switch (n.type) {
    case 'Input':
      return [...n.shape];
    case 'Output':
      return inShape ?? [...n.shape];
    case 'Affine':
    case 'Linear': {
      const [o, i] = n.weight.shape as [number, number];
      if (n.weight.shape.length !== 2)
        throw new SpikeflowError(where, 'weight', `weight must be [out, in], received ${showShape(n.weight.shape)}`);
      const s = inShape ?? [i];
      if (s[s.length - 1] !== i) {
        if (sizeOf(s) === i) return [o];
        throw new SpikeflowError(
          where,
          'input',
          `input shape ${showShape(s)} does not end in the weight's ${i} inputs (weight ${showShape(n.weight.shape)})`,
        );
      }
      return [...s.slice(0, -1), o];
    }
    case 'Flatten': {
      const s = n.inputType !== undefined && n.inputType.length > 0 ? [...n.inputType] : inShape;
      if (s === undefined) return undefined;
      if (inShape !== undefined && sizeOf(inShape) !== sizeOf(s)) {
        throw new SpikeflowError(where, 'input', `input shape ${showShape(inShape)} does not match input_type ${showShape(s)}`);
      }
      return flattenShape(s, n.startDim, n.endDim);
    }
    case 'Conv1d':
    case 'Conv2d': {
      const dims = n.type === 'Conv1d' ? 1 : 2;
      const s = inShape ?? (n.inputShape !== undefined ? [(n.weight.shape[1] as number) * n.groups, ...n.inputShape] : undefined);
      if (s === undefined) return undefined;
      if (s.length !== dims + 1)
        throw new SpikeflowError(where, 'input', `input must be [C, ${dims === 1 ? 'L' : 'H, W'}], received ${showShape(s)}`);
      return convOutputShape(where, convParams(n), s[0] as number, s.slice(1));
    }
    case 'SumPool2d':
    case 'AvgPool2d':
      return inShape === undefined ? undefined : pool2dOutputShape(where, n, inShape);
    default: {
      const p = paramShape(n) as readonly number[];
      if (p.length === 0 || sizeOf(p) === 1) return inShape ?? [...p];
      if (inShape !== undefined && sizeOf(inShape) !== sizeOf(p)) {
        throw new SpikeflowError(where, 'input', `input shape ${showShape(inShape)} does not match the node's ${showShape(p)} elements`);
      }
      return inShape !== undefined && inShape.length > p.length ? inShape : [...p];
    }
  }
};

/** A Conv node's parameters as `ops/conv.ts` takes them. */
export const convParams = (n: Extract<Leaf, { type: 'Conv1d' | 'Conv2d' }>) => ({
  weight: n.weight,
  bias: n.bias,
  stride: n.stride,
  padding: n.padding,
  dilation: n.dilation,
  groups: n.groups,
});

/**
 * Propagates shapes in evaluation order until nothing changes (recurrent edges need a second pass).
 * @throws SpikeflowError naming the node when a weight is not `[out, in]`, an input shape does not match the node's
 *   (input_type, `[C, L]`/`[C, H, W]`, parameter count), or a node's inputs have different sizes
 */
export const inferShapes = (units: Unit[], order: readonly number[]): void => {
  for (let pass = 0; pass < 3; pass++) {
    let changed = false;
    for (const k of order) {
      const u = units[k] as Unit;
      const known = u.sources.map((s) => (units[s] as Unit).outShape).filter((s): s is number[] => s !== undefined);
      for (const s of known) {
        if (sizeOf(s) !== sizeOf(known[0] as number[])) {
          const names = u.sources.map((q) => `${(units[q] as Unit).name} ${showShape((units[q] as Unit).outShape ?? [])}`).join(', ');
          throw new SpikeflowError(`nir node '${u.name}' (${u.node.type})`, 'input', `its inputs have different sizes: ${names}`);
        }
      }
      const inShape = known[0];
      const out = outShapeOf(u, inShape);
      if (out !== undefined && (u.outShape === undefined || showShape(u.outShape) !== showShape(out))) {
        u.outShape = out;
        changed = true;
      }
      u.inShape = inShape ?? (u.node.type === 'Input' ? [...u.node.shape] : undefined);
    }
    if (!changed) break;
  }
  for (const u of units) {
    if (u.outShape === undefined)
      throw new SpikeflowError(
        `nir node '${u.name}' (${u.node.type})`,
        'shape',
        'cannot infer its shape (no input reaches it and it gives none)',
      );
  }
};
