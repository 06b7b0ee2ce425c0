/**
 * The gpu.js source of the gpu backend's `updateRun` kernel (training's tapes and derived backward
 * steps, see `updateRun.ts`), and the single-precision form of an update it runs.
 *
 * Single precision: gpu.js computes in float32 on GL, so an update runs there as
 * {@link singlePrecisionUpdate} states it — for an update without rounding markers, every
 * arithmetic operation and `Math` call rounded to float32, every literal taken as its float32
 * value; an update with markers as marked. In gpu.js's `cpu` mode that form prints with
 * `Math.fround`, so `cpu` mode equals the `js` float32 lowering of the same form bit for bit; on GL
 * the markers are dropped and the GPU rounds each operation itself (its `exp`, `tanh`, … are not
 * correctly rounded, hence a tolerance there).
 *
 * Packing: a gpu.js kernel takes few array arguments (each is a texture sampler on GL), so the
 * kernel reads three arrays whatever the update: all per-step inputs interleaved
 * (`sfX[(r·M + n)·I + j]`), the state interleaved (`sfS[n·S + s]`) and the per-neuron parameters
 * interleaved (`sfP[n·Q + q]`); scalar parameters and `dt` are uniforms.
 * @module
 */
import { type Expr, mapStatements, type NeuronUpdate, type Stmt } from '../../update/ir.js';
import { irOf } from '../../update/parse.js';
import { printBody } from '../../update/print.js';
import type { NeuronLayout } from '../layout.js';
import { flushChain } from './sources.js';

/** A name gpu.js and GLSL accept: `$` (used by derived updates' generated names) becomes `sfD`. */
const safe = (name: string): string => name.replace(/\$/g, 'sfD');

const roundAll = (e: Expr): Expr => {
  if (e.k === 'arith' || e.k === 'call') return { k: 'round', a: e };
  if (e.k === 'num' && Math.fround(e.value) !== e.value && Number.isFinite(e.value)) return { k: 'round', a: e };
  if (e.k === 'round' && e.a.k === 'round') return e.a;
  if (e.k === 'ref') return { ...e, name: safe(e.name) };
  return e;
};

const renameStatements = (body: readonly Stmt[]): Stmt[] =>
  body.map((s): Stmt => {
    switch (s.k) {
      case 'decl':
        return { ...s, name: safe(s.name) };
      case 'assign':
        return { ...s, name: safe(s.name) };
      case 'if':
        return { ...s, ifTrue: renameStatements(s.ifTrue), ifFalse: s.ifFalse === undefined ? undefined : renameStatements(s.ifFalse) };
      default:
        return { ...s, body: renameStatements(s.body) };
    }
  });

const renameOnly = (e: Expr): Expr => (e.k === 'ref' ? { ...e, name: safe(e.name) } : e);

/** Whether an update marks any operation `R(…)` (its author said where float32 runs round). */
const marked = (body: readonly Stmt[]): boolean => {
  let hit = false;
  mapStatements(body, (e) => {
    if (e.k === 'round') hit = true;
    return e;
  });
  return hit;
};

const singles = new WeakMap<NeuronUpdate, NeuronUpdate>();

/**
 * The update as gpu.js computes it (see the module docs): the same names (`$` replaced by `sfD`);
 * an update that marks none of its operations `R(…)` (derived backward steps, most `defineModel`
 * updates) gets every arithmetic operation and `Math` call marked, and its literals that are not
 * float32 values; an update with markers (the built-in models, rounded where torch rounds) keeps
 * them as they are, as the gpu neuron run does. Its `js` float32 lowering (`compileUpdate(…, 'float32', …)`) is what gpu.js's `cpu`
 * mode computes, bit for bit. Cached per update.
 * @param update - any per-neuron update (parsed; `irOf` checks it)
 * @throws UpdateSyntaxError when the update's text is outside the subset
 */
export const singlePrecisionUpdate = (update: NeuronUpdate): NeuronUpdate => {
  let single = singles.get(update);
  if (single === undefined) {
    const ir = irOf(update).body;
    const body = renameStatements(mapStatements(ir, marked(ir) ? renameOnly : roundAll));
    single = Object.freeze({
      name: `${safe(update.name)}_f32`,
      inputs: Object.freeze(update.inputs.map(safe)),
      state: Object.freeze(update.state.map(safe)),
      params: Object.freeze(update.params.map(safe)),
      output: safe(update.output),
      body: printBody({ ...irOf(update), body }, 'marker'),
    });
    irOf(single);
    singles.set(update, single);
  }
  return single;
};

/**
 * The gpu.js source of one block of an `updateRun` (one thread per neuron, `sfB` steps): arguments
 * `sfX` (inputs, interleaved, rows of this block only), `sfS` (state, interleaved), `sfP` (per-neuron
 * parameters, interleaved; absent when there are none), `sfM`, `sfB`, the scalar parameters by name,
 * `dt`. Iteration `i` runs block row `reverse ? sfB − 1 − i : i` and writes its output (then its
 * recorded state, when recording) into the slots of iteration `i` (see `layout.ts`).
 * @param k - the update in single precision ({@link singlePrecisionUpdate})
 * @param layout - the block layout (`planNeuron` with `binary` false)
 * @param cpu - gpu.js's `cpu` mode (rounding printed as `Math.fround`) or GL (dropped)
 * @param perNeuron - which parameters are per-neuron arrays
 * @param reverse - whether the block runs its rows from the last
 */
export const updateKernelSource = (
  k: NeuronUpdate,
  layout: NeuronLayout,
  cpu: boolean,
  perNeuron: readonly boolean[],
  reverse: boolean,
): string => {
  const { S, words, outputs } = layout;
  const I = k.inputs.length;
  const pnNames = k.params.filter((_, j) => perNeuron[j] === true);
  const Q = pnNames.length;
  const args = ['sfX', 'sfS', ...(Q > 0 ? ['sfP'] : []), 'sfM', 'sfB', ...k.params.filter((_, j) => perNeuron[j] !== true), 'dt'];
  const lines: string[] = ['const sfN = this.thread.x;'];
  pnNames.forEach((n, q) => {
    lines.push(`const ${n} = sfP[sfN * ${Q} + ${q}];`);
  });
  k.state.forEach((name, s) => {
    lines.push(`let ${name} = sfS[sfN * ${S} + ${s}];`);
  });
  for (let w = 0; w < words; w++) lines.push(`let sfW${w} = 0;`);
  lines.push('let sfWi = 0;');
  lines.push('for (let sfT = 0; sfT < sfB; sfT++) {');
  lines.push(reverse ? 'const sfR = sfB - 1 - sfT;' : 'const sfR = sfT;');
  k.inputs.forEach((n, j) => {
    lines.push(`const ${n} = sfX[(sfR * sfM + sfN) * ${I} + ${j}];`);
  });
  lines.push(printBody(irOf(k), cpu ? 'Math.fround' : 'none'));
  for (const v of [k.output, ...(layout.perStep > 1 ? k.state : [])]) lines.push(`${flushChain(words, v)} sfWi = sfWi + 1;`);
  lines.push('}');
  const slot = (j: number): string => (j < S ? (k.state[j] as string) : j - S < words ? `sfW${j - S}` : '0');
  const vec = (g: number): string => `[${[0, 1, 2, 3].map((c) => slot(4 * g + c)).join(', ')}]`;
  for (let g = 1; g < outputs; g++) lines.push(`sfO${g}(${vec(g)});`);
  lines.push(`return ${vec(0)};`);
  return `function (${args.join(', ')}) {\n${lines.join('\n')}\n}`;
};
