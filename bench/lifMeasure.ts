/**
 * The LIF throughput measurement shared by the Node and the browser side of
 * bench/backends.bench.ts: default LIF parameters, input uniform in [0, 0.6) (about 9 % of
 * neuron-steps spike, as the Norse anchors), chunks threaded through the layer's state.
 */
import { lif } from '../src/neurons/lif.js';
import type { BackendChoice, ExecutionInfo } from '../src/ops/backends/backendRegistry.js';
import { seededGenerator, uniforms } from '../src/ops/random.js';
import { fromTypedArray, type Tensor } from '../src/ops/tensor.js';

/** One chunk `[chunk, 1, N]` of uniform input in [0, 0.6), drawn from spikeflow's seeded generator. */
export const lifChunkInput = (N: number, chunk: number, seed: number): Tensor => {
  const data = new Float32Array(N * chunk);
  let rng = seededGenerator(seed);
  const piece = 1 << 20;
  for (let at = 0; at < data.length; at += piece) {
    const [u, next] = uniforms(rng, Math.min(piece, data.length - at));
    for (let k = 0; k < u.length; k++) data[at + k] = 0.6 * (u[k] as number);
    rng = next;
  }
  return fromTypedArray(data, [chunk, 1, N]);
};

/** Result of one measurement. */
export interface LifMeasurement {
  /** Neurons. */
  readonly N: number;
  /** Steps simulated in the timed part (whole chunks; fewer than asked when the budget ran out). */
  readonly steps: number;
  /** Seconds of the timed part. */
  readonly seconds: number;
  /** Neuron-steps per second. */
  readonly rate: number;
  /** Fraction of neuron-steps that spiked. */
  readonly spikeFraction: number;
  /** What ran (backend, device, renderer). */
  readonly info: ExecutionInfo | undefined;
  /** Seconds of the first (compiling, warm-up) chunk. */
  readonly warmupSeconds: number;
  /** True when the warm-up chunk alone exceeded the budget and is the measurement (compilation included). */
  readonly warmupOnly: boolean;
}

/**
 * Runs `steps` steps of LIF over repeated chunks of `xs` on a backend, after one untimed warm-up
 * chunk, stopping early (after whole chunks) once `budgetMs` is spent; when the warm-up chunk
 * alone exceeds the budget it is the measurement. Every chunk's spikes are
 * read (summed), as a consumer would.
 */
export const measureLif = (
  xs: Tensor,
  steps: number,
  budgetMs: number,
  backend: BackendChoice,
  executionOf: (v: unknown) => ExecutionInfo | undefined,
): LifMeasurement => {
  const [chunk, , N] = xs.shape as [number, number, number];
  const run = lif.run({}, 0.001, { backend });
  const w0 = performance.now();
  const [warm, s0] = run(xs);
  let spikes = 0;
  for (const v of warm.data) spikes += v;
  const warmupSeconds = (performance.now() - w0) / 1000;
  if (warmupSeconds * 1000 > budgetMs) {
    return {
      N,
      steps: chunk,
      seconds: warmupSeconds,
      rate: (N * chunk) / warmupSeconds,
      spikeFraction: spikes / (N * chunk),
      info: executionOf(warm),
      warmupSeconds,
      warmupOnly: true,
    };
  }
  let state = s0;
  let done = 0;
  spikes = 0;
  const t0 = performance.now();
  while (done < steps) {
    const [z, next] = run(xs, state);
    for (const v of z.data) spikes += v;
    state = next;
    done += chunk;
    if (performance.now() - t0 > budgetMs) break;
  }
  const seconds = (performance.now() - t0) / 1000;
  return {
    N,
    steps: done,
    seconds,
    rate: (N * done) / seconds,
    spikeFraction: spikes / (N * done),
    info: executionOf(warm),
    warmupSeconds,
    warmupOnly: false,
  };
};
