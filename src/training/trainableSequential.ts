/**
 * Layers in sequence as one differentiable layer (Norse's `SequentialState`, torch's
 * `nn.Sequential`): the forward pass feeds each layer's output to the next; the backward pass runs
 * the layers' backward passes in reverse order. Parameters, gradients and state variables are
 * named `<index>.<name>` (torch's `state_dict` names, e.g. `1.weight`, `0.v`).
 * The gradient each layer's backward pass returns (`gx`) belongs to the caller: the sequence gives
 * the ones passed between its layers back to the scratch pool (`kernels/scratch.ts`) once consumed;
 * its inner layers may write theirs into buffers they keep (`transientGrad.ts`).
 * @module
 */
import { SpikeflowError, show } from '../ops/errors.js';
import type { DType, Tensor } from '../ops/tensor.js';
import { giveScratch } from './kernels/scratch.js';
import { checkForwardOptions, checkGradOut, type LayerState, type StateGrad, type TrainableLayer } from './trainableLayer.js';
import { withTransientGradInput } from './transientGrad.js';

const split = <V>(rec: Readonly<Record<string, V>> | undefined, k: number): Record<string, V> | undefined => {
  if (rec === undefined) return undefined;
  const prefix = `${k}.`;
  const out: Record<string, V> = {};
  for (const [name, v] of Object.entries(rec)) if (name.startsWith(prefix)) out[name.slice(prefix.length)] = v;
  return out;
};

/** Advice for a value that is not a trainable layer: a neuron model or an inference layer, made trainable by name. */
const notTrainableHint = (l: unknown): string => {
  if (l === null || typeof l !== 'object') return '';
  const o = l as { stateNames?: unknown; step?: unknown; run?: unknown; name?: unknown; id?: unknown };
  if (Array.isArray(o.stateNames) && typeof o.step === 'function') {
    const id = typeof o.id === 'string' ? o.id : 'model';
    return ` (this is the neuron model ${show(o.name)} itself: wrap it as trainable(${id}))`;
  }
  if (typeof o.run === 'function')
    return ' (an inference layer such as neuron(model) or linearLayer(...): use trainable(model) or trainableLinear(...))';
  return '';
};

/**
 * Composes trainable layers.
 *
 * A backward pass over the tape of an earlier forward pass is refused before any layer runs (no
 * gradient changed) when a later forward pass wrote into the arrays that tape reads (a layer with
 * `outputs: 'reuse'` hands out the same outputs array every call, and the next layer's tape reads
 * it), or when any layer would refuse its part of the tape (`TrainableLayer.checkTape`: a LIF layer
 * with `outputs: 'reuse'` takes only its last forward pass's tape, also after a batch size change
 * gave it new arrays).
 * @param layers - at least one {@link TrainableLayer}
 * @throws SpikeflowError for no layers or a value that is not a trainable layer
 * @throws SpikeflowError (from `backward`, argument `tape`) naming the layer (index and name) and what it expected
 */
export const trainableSequential = (...layers: readonly TrainableLayer[]): TrainableLayer => {
  if (layers.length === 0) throw new SpikeflowError('trainableSequential', 'layers', 'expected at least one layer, received none');
  layers.forEach((l, k) => {
    if (l === null || typeof l !== 'object' || typeof l.forward !== 'function' || typeof l.backward !== 'function') {
      throw new SpikeflowError(
        'trainableSequential',
        `layers[${k}]`,
        `layers[${k}] must be a trainable layer${notTrainableHint(l)}, received ${show(l)}`,
      );
    }
  });
  const params: Record<string, Float32Array | Float64Array> = {};
  const paramShapes: Record<string, readonly number[]> = {};
  const grads: Record<string, Float64Array> = {};
  layers.forEach((l, k) => {
    for (const [n, v] of Object.entries(l.params)) params[`${k}.${n}`] = v;
    for (const [n, v] of Object.entries(l.paramShapes)) paramShapes[`${k}.${n}`] = v;
    for (const [n, v] of Object.entries(l.grads)) grads[`${k}.${n}`] = v;
  });
  const outFeatures = (inF: number): number => layers.reduce((f, l) => l.outFeatures(f), inF);
  const initialState = (batch: number, inF: number, dtype: DType): LayerState => {
    const s: Record<string, Float32Array | Float64Array> = {};
    let f = inF;
    layers.forEach((l, k) => {
      for (const [n, v] of Object.entries(l.initialState(batch, f, dtype))) s[`${k}.${n}`] = v;
      f = l.outFeatures(f);
    });
    return s;
  };
  // Each tape's layer outputs but the last (which no layer's tape reads; the tape holds them
  // anyway), and the last forward pass's with its number (held until the next forward pass: no
  // WeakRef, whose targets survive minor collections — measured 2× slower steps at N = 1e3).
  const outsOf = new WeakMap<object, { readonly pass: number; readonly outs: readonly object[] }>();
  let passes = 0;
  let last: { pass: number; outs: readonly object[] } | undefined;
  // A layer that wrote the last forward pass's outputs into the array an older tape reads (outputs
  // 'reuse') would make the next layer's backward pass read them: refused before any layer runs.
  // So is a tape a layer itself would refuse (`checkTape`: e.g. a `reuse` layer that took new
  // arrays when the batch changed, whose backward pass would refuse only after the later layers'
  // backward passes had accumulated their gradients).
  // Throws without the "no gradient was changed" the outermost `backward` adds (a nested sequence's
  // problem reads "layer 0 (Sequential(…)) refuses this tape: layer 1 (LIF) …").
  const checkTape = (tape: unknown): void => {
    if (!Array.isArray(tape) || tape.length !== layers.length) {
      throw new SpikeflowError('trainableSequential.backward', 'tape', 'tape must come from forward(..., { tape: true })');
    }
    const mine = outsOf.get(tape);
    if (mine !== undefined && last !== undefined && last.pass !== mine.pass) {
      mine.outs.forEach((o, k) => {
        if (last?.outs[k] === o)
          throw new SpikeflowError(
            'trainableSequential.backward',
            'tape',
            `layer ${k} (${(layers[k] as TrainableLayer).name}) wrote a later forward pass's outputs into the array this tape reads (outputs "reuse"): run the backward pass before the next forward pass`,
          );
      });
    }
    layers.forEach((l, k) => {
      if (l.checkTape === undefined) return;
      try {
        l.checkTape(tape[k]);
      } catch (e) {
        if (!(e instanceof SpikeflowError)) throw e;
        throw new SpikeflowError(
          'trainableSequential.backward',
          'tape',
          `layer ${k} (${l.name}) refuses this tape: ${e.problems[0]?.message ?? e.message}`,
        );
      }
    });
  };
  return {
    name: `Sequential(${layers.map((l) => l.name).join(', ')})`,
    params,
    paramShapes,
    grads,
    outFeatures,
    initialState,
    forward: (xs, state, options) => {
      checkForwardOptions('trainableSequential.forward', options);
      let x = xs;
      const next: Record<string, Float32Array | Float64Array> = {};
      const tapes: unknown[] = [];
      const outs: { name: string; out: Tensor }[] = [];
      layers.forEach((l, k) => {
        const r = l.forward(x, split(state, k), options);
        outs.push({ name: l.name, out: r.out });
        for (const [n, v] of Object.entries(r.state)) next[`${k}.${n}`] = v;
        tapes.push(r.tape);
        x = r.out;
      });
      const tape = options?.tape === false ? undefined : tapes;
      const inner = outs.slice(0, -1).map((o) => o.out.data);
      passes += 1;
      last = { pass: passes, outs: inner };
      if (tape !== undefined) outsOf.set(tape, { pass: passes, outs: inner });
      return { out: x, state: next, tape, layers: outs };
    },
    backward: (tape, gOut, gState, needInput = true) => {
      checkGradOut('trainableSequential.backward', gOut);
      try {
        checkTape(tape);
      } catch (e) {
        if (!(e instanceof SpikeflowError) || e.where !== 'trainableSequential.backward' || !Array.isArray(tape)) throw e;
        throw new SpikeflowError('trainableSequential.backward', 'tape', `${e.problems[0]?.message} (no gradient was changed)`);
      }
      const tapes = tape as readonly unknown[]; // (an array of one tape per layer: checked above)
      let g: Float64Array | undefined = gOut;
      const gs: Record<string, Float64Array> = {};
      for (let k = layers.length - 1; k >= 0; k--) {
        const layer = layers[k] as TrainableLayer;
        const gk = split(gState, k) as StateGrad | undefined;
        const run = () => layer.backward(tapes[k], g as Float64Array, gk, k > 0 || needInput);
        // an inner layer's ∂input is consumed by the previous layer and then dead (transientGrad.ts);
        // the first layer's goes to the caller, as transient as the caller's own
        const r = k > 0 ? withTransientGradInput(true, run) : run();
        for (const [n, v] of Object.entries(r.gState)) gs[`${k}.${n}`] = v;
        // the gradient passed between two layers is dead once the earlier layer has consumed it
        if (k < layers.length - 1) giveScratch(g);
        g = r.gx;
      }
      return { gx: g, gState: gs };
    },
    checkTape,
    zeroGrad: () => {
      for (const l of layers) l.zeroGrad();
    },
  };
};
