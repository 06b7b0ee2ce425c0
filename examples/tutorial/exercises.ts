/**
 * The five exercises of Norse's "Learning Norse from scratch" notebook, for spikeflow: each has a
 * prompt, starter code the learner edits (plain JavaScript, the body of a function of `sf`, the
 * spikeflow API, that returns its answer), and a check that says whether the answer is right and,
 * if not, what is off. The tutorial page runs them as editable cells; the Node tests run the checks
 * on model answers.
 * @module
 */
import type { Tensor } from 'spikeflow';
import * as sf from 'spikeflow';

/** What a check says: right or not, and a sentence for the learner. */
export interface Verdict {
  readonly ok: boolean;
  readonly message: string;
}

/** One exercise. */
export interface Exercise {
  readonly id: string;
  readonly title: string;
  /** The task, as the notebook words it (adapted to spikeflow). */
  readonly prompt: string;
  /** The code the cell starts with. */
  readonly starter: string;
  /** A correct answer (for the tests, and a "show answer" button). */
  readonly answer: string;
  /** Judges what the code returned. */
  check(result: unknown): Verdict;
}

const isTensor = (v: unknown): v is Tensor =>
  v !== null && typeof v === 'object' && Array.isArray((v as Tensor).shape) && ArrayBuffer.isView((v as Tensor).data);
const shapeText = (s: readonly number[]): string => `[${s.join(', ')}]`;
const right = (message: string): Verdict => ({ ok: true, message });
const wrong = (message: string): Verdict => ({ ok: false, message });

/** The exercises, in the notebook's order. */
export const exercises: readonly Exercise[] = [
  {
    id: 'tensor',
    title: 'Exercise 1: create a tensor',
    prompt: 'You know how to create a vector and a matrix. Create a tensor with 2×2×2 numbers and return it.',
    starter: '// sf.tensor takes nested arrays\nconst t = sf.tensor([[1, 2], [3, 4]]);\nreturn t;',
    answer: 'const t = sf.tensor([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]);\nreturn t;',
    check: (r) =>
      !isTensor(r)
        ? wrong('Return a tensor made with sf.tensor(...).')
        : r.shape.length === 3 && r.shape.every((d) => d === 2)
          ? right(`Right: a tensor of shape ${shapeText(r.shape)}, 8 numbers.`)
          : wrong(
              `Your tensor has shape ${shapeText(r.shape)}; a 2×2×2 tensor has shape [2, 2, 2] (three levels of nesting, two entries each).`,
            ),
  },
  {
    id: 'shape',
    title: 'Exercise 2: analyse a tensor',
    prompt: 'What is the shape of the tensor you created? Return it (a tensor has a `shape` field).',
    starter: 'const t = sf.tensor([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]);\nreturn ...;',
    answer: 'const t = sf.tensor([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]);\nreturn t.shape;',
    check: (r) =>
      Array.isArray(r) && r.length === 3 && r.every((d) => d === 2)
        ? right('Right: [2, 2, 2]. Know the shape of every tensor you work with.')
        : wrong(`You returned ${JSON.stringify(r)}; return t.shape, an array of the sizes of each dimension.`),
  },
  {
    id: 'sequential',
    title: 'Exercise 3: use modules',
    prompt:
      'Use sf.sequential to build a network of two layers, a linear map from 2 to 3 numbers (sf.linearLayer(sf.linearInit(2, 3, { seed: 1 }))) and ReLU (sf.reluLayer), and return the network.',
    starter: 'const module = ...;\nreturn module;',
    answer: 'const module = sf.sequential(sf.linearLayer(sf.linearInit(2, 3, { seed: 1 })), sf.reluLayer);\nreturn module;',
    check: (r) => {
      const layer = r as { run?: (x: Tensor) => [Tensor, unknown] } | undefined;
      if (layer === undefined || layer === null || typeof layer.run !== 'function')
        return wrong('Return the network made with sf.sequential(...).');
      let out: Tensor;
      try {
        [out] = layer.run(sf.tensor([-2, 3]));
      } catch (e) {
        return wrong(`Running it on [-2, 3] fails: ${e instanceof Error ? e.message : String(e)}`);
      }
      if (out.data.length !== 3) return wrong(`It maps [-2, 3] to ${out.data.length} numbers; Linear(2, 3) gives 3.`);
      if (Array.from(out.data).some((v) => v < 0)) return wrong('Some outputs are negative: ReLU must come after the linear map.');
      return right(`Right: [-2, 3] ↦ [${Array.from(out.data, (v) => +v.toFixed(3)).join(', ')}], three numbers ≥ 0.`);
    },
  },
  {
    id: 'data',
    title: 'Exercise 4: generate data',
    prompt: 'Make the input of the next cells: 100 time steps of the constant current 0.3 for one neuron, shape [100, 1], and return it.',
    starter: '// sf.full(shape, value) fills a tensor\nconst data = ...;\nreturn data;',
    answer: 'const data = sf.full([100, 1], 0.3);\nreturn data;',
    check: (r) =>
      !isTensor(r)
        ? wrong('Return a tensor, e.g. sf.full([100, 1], 0.3).')
        : shapeText(r.shape) !== '[100, 1]'
          ? wrong(`Shape ${shapeText(r.shape)}: time comes first, so 100 steps of 1 neuron is [100, 1].`)
          : Array.from(r.data).every((v) => Math.abs(v - 0.3) < 1e-6)
            ? right('Right: 100 steps × 1 neuron, every value 0.3.')
            : wrong('Every value should be 0.3.'),
  },
  {
    id: 'output',
    title: 'Exercise 5: analyse the output',
    prompt:
      'Run a LIF neuron over that input (sf.lif.run({}, 0.001)(data) returns [spikes, state]) and return the steps at which it spikes (indices where the spikes are 1). Why are they evenly spaced?',
    starter: 'const data = sf.full([100, 1], 0.3);\nconst [spikes, state] = sf.lif.run({}, 0.001)(data);\nreturn ...;',
    answer:
      'const data = sf.full([100, 1], 0.3);\nconst [spikes] = sf.lif.run({}, 0.001)(data);\nreturn Array.from(spikes.data).flatMap((z, t) => (z === 1 ? [t] : []));',
    check: (r) => {
      const [spikes] = sf.lif.run({}, 0.001)(sf.full([100, 1], 0.3));
      const steps = Array.from(spikes.data).flatMap((z, t) => (z === 1 ? [t] : []));
      if (!Array.isArray(r)) return wrong('Return an array of step indices.');
      if (JSON.stringify(r) === JSON.stringify(steps)) {
        return right(
          `Right: spikes at steps ${steps.join(', ')}. A constant current charges the membrane to the threshold in the same time after every reset, so the spikes are regular.`,
        );
      }
      return wrong(
        `You returned ${JSON.stringify(r)}; the neuron spikes at ${steps.length} steps. Keep the indices t where spikes.data[t] is 1.`,
      );
    },
  },
];

/**
 * Runs an exercise's code (the body of a function of `sf`) and checks what it returns.
 * A syntax or runtime error is a wrong answer whose message names the error.
 */
export const runExercise = (exercise: Exercise, code: string): Verdict & { readonly result?: unknown } => {
  let result: unknown;
  try {
    result = new Function('sf', code)(sf);
  } catch (e) {
    return wrong(`${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  }
  return { ...exercise.check(result), result };
};
