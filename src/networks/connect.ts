/**
 * Connection rules, built into compressed sparse rows (CSR) by presynaptic neuron: `ptr`
 * (`N_pre + 1` row starts) and `idx` (one int32 postsynaptic index per synapse). Every rule is
 * seeded and reproducible; autapses (i → i within one population) are excluded unless asked for.
 * Rules follow Brian2's `connect` and NEST's `conn_spec` (`all_to_all`, `one_to_one`,
 * `pairwise_bernoulli`, `fixed_indegree`, `fixed_outdegree`, explicit lists).
 * @module
 */
import { SpikeflowError, show } from '../ops/errors.js';
import { type RngState, uniform01 } from './fastRandom.js';
import { IntList } from './intList.js';

/** A connection rule; see the factories below. */
export type ConnectRule =
  | { readonly rule: 'allToAll' }
  | { readonly rule: 'oneToOne' }
  | { readonly rule: 'fixedProbability'; readonly p: number }
  | { readonly rule: 'fixedInDegree'; readonly k: number }
  | { readonly rule: 'fixedOutDegree'; readonly k: number }
  | { readonly rule: 'fromList'; readonly i: ArrayLike<number>; readonly j: ArrayLike<number> };

/** Every pre neuron onto every post neuron. */
export const allToAll = (): ConnectRule => Object.freeze({ rule: 'allToAll' });
/** Pre neuron `i` onto post neuron `i` (equal sizes). */
export const oneToOne = (): ConnectRule => Object.freeze({ rule: 'oneToOne' });
/**
 * Each pair independently with probability `p` (Brian2's `connect(p=…)`, NEST's `pairwise_bernoulli`).
 * @throws SpikeflowError when `p` is not in [0, 1]
 */
export const fixedProbability = (p: number): ConnectRule => {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1))
    throw new SpikeflowError('fixedProbability', 'p', `p must be a probability in [0, 1], received ${show(p)}`);
  return Object.freeze({ rule: 'fixedProbability', p });
};
/**
 * Every post neuron receives exactly `k` synapses from distinct pre neurons (Brunel 2000's `C_E`, `C_I`).
 * @throws SpikeflowError when `k` is not a non-negative integer
 */
export const fixedInDegree = (k: number): ConnectRule => {
  if (!Number.isInteger(k) || k < 0)
    throw new SpikeflowError('fixedInDegree', 'k', `k must be a non-negative integer, received ${show(k)}`);
  return Object.freeze({ rule: 'fixedInDegree', k });
};
/**
 * Every pre neuron makes exactly `k` synapses onto distinct post neurons.
 * @throws SpikeflowError when `k` is not a non-negative integer
 */
export const fixedOutDegree = (k: number): ConnectRule => {
  if (!Number.isInteger(k) || k < 0)
    throw new SpikeflowError('fixedOutDegree', 'k', `k must be a non-negative integer, received ${show(k)}`);
  return Object.freeze({ rule: 'fixedOutDegree', k });
};
/**
 * Explicit synapses `i[s] → j[s]` (pre, post indices; repeats make several synapses). Per-synapse
 * weights and delays given as lists to the projection follow this list's order.
 * @throws SpikeflowError when the lists differ in length
 */
export const fromList = (i: ArrayLike<number>, j: ArrayLike<number>): ConnectRule => {
  if (
    i === null ||
    j === null ||
    typeof i !== 'object' ||
    typeof j !== 'object' ||
    typeof i.length !== 'number' ||
    typeof j.length !== 'number'
  ) {
    throw new SpikeflowError('fromList', 'i', `i and j must be lists of neuron indices, received ${show(i)}, ${show(j)}`);
  }
  if (i.length !== j.length)
    throw new SpikeflowError('fromList', 'j', `i and j must have the same length, received ${i.length} and ${j.length}`);
  return Object.freeze({ rule: 'fromList', i, j });
};

/** Sparse rows by pre neuron; `order[s]` is the list position of synapse `s` (fromList only). */
export interface Csr {
  readonly ptr: Int32Array;
  readonly idx: Int32Array;
  readonly order?: Int32Array;
}

/** Picks `k` distinct values of `[0, m)` (partial Fisher–Yates on `pool`, undone after) into `out`. */
const sampleDistinct = (pool: Int32Array, m: number, k: number, rng: RngState, out: Int32Array, swaps: Int32Array): void => {
  for (let a = 0; a < k; a++) {
    const r = a + Math.floor(uniform01(rng) * (m - a));
    swaps[a] = r;
    const t = pool[a] as number;
    pool[a] = pool[r] as number;
    pool[r] = t;
    out[a] = pool[a] as number;
  }
  for (let a = k - 1; a >= 0; a--) {
    const r = swaps[a] as number;
    const t = pool[a] as number;
    pool[a] = pool[r] as number;
    pool[r] = t;
  }
};

/** CSR from (pre, post) pairs by a stable counting sort on pre. */
const fromPairs = (nPre: number, pre: Int32Array, post: Int32Array): Csr => {
  const ptr = new Int32Array(nPre + 1);
  for (let s = 0; s < pre.length; s++) {
    const at = (pre[s] as number) + 1;
    ptr[at] = (ptr[at] as number) + 1;
  }
  for (let i = 0; i < nPre; i++) ptr[i + 1] = (ptr[i + 1] as number) + (ptr[i] as number);
  const fill = ptr.slice(0, nPre);
  const idx = new Int32Array(pre.length);
  const order = new Int32Array(pre.length);
  for (let s = 0; s < pre.length; s++) {
    const p = pre[s] as number;
    const at = fill[p] as number;
    fill[p] = at + 1;
    idx[at] = post[s] as number;
    order[at] = s;
  }
  return { ptr, idx, order };
};

/**
 * Builds the CSR of a rule between `nPre` and `nPost` neurons.
 * @param where - prefix of error messages
 * @param self - whether pre and post are the same population (autapses apply)
 * @param autapses - whether i → i synapses are allowed within one population
 * @throws SpikeflowError for impossible degrees, indices out of range, oneToOne between different sizes
 */
export const buildCsr = (
  where: string,
  rule: ConnectRule,
  nPre: number,
  nPost: number,
  self: boolean,
  autapses: boolean,
  rng: RngState,
): Csr => {
  const noSelf = self && !autapses;
  switch (rule.rule) {
    case 'allToAll': {
      const row = noSelf ? nPost - 1 : nPost;
      const ptr = new Int32Array(nPre + 1);
      const idx = new Int32Array(nPre * row);
      let s = 0;
      for (let i = 0; i < nPre; i++) {
        for (let j = 0; j < nPost; j++) if (!(noSelf && i === j)) idx[s++] = j;
        ptr[i + 1] = s;
      }
      return { ptr, idx };
    }
    case 'oneToOne': {
      if (nPre !== nPost)
        throw new SpikeflowError(where, 'connect', `oneToOne needs equal sizes, received ${nPre} pre and ${nPost} post neurons`);
      if (noSelf) throw new SpikeflowError(where, 'autapses', 'oneToOne within one population makes only autapses: set autapses: true');
      const ptr = new Int32Array(nPre + 1);
      const idx = new Int32Array(nPre);
      for (let i = 0; i < nPre; i++) {
        idx[i] = i;
        ptr[i + 1] = i + 1;
      }
      return { ptr, idx };
    }
    case 'fixedProbability': {
      const { p } = rule;
      const ptr = new Int32Array(nPre + 1);
      const list = new IntList();
      // Geometric skips between successive synapses of a row (cost grows with the synapses made).
      const logq = Math.log(1 - p);
      for (let i = 0; i < nPre; i++) {
        if (p >= 1) {
          for (let j = 0; j < nPost; j++) if (!(noSelf && i === j)) list.push(j);
        } else if (p > 0) {
          let j = -1;
          for (;;) {
            j += 1 + Math.floor(Math.log(1 - uniform01(rng)) / logq);
            if (j >= nPost) break;
            if (!(noSelf && i === j)) list.push(j);
          }
        }
        ptr[i + 1] = list.length;
      }
      return { ptr, idx: list.view().slice() };
    }
    case 'fixedInDegree':
    case 'fixedOutDegree': {
      const inDegree = rule.rule === 'fixedInDegree';
      const { k } = rule;
      const rows = inDegree ? nPost : nPre;
      const cols = inDegree ? nPre : nPost;
      const m = noSelf ? cols - 1 : cols;
      if (k > m) {
        throw new SpikeflowError(
          where,
          'connect',
          `${rule.rule}(${k}) needs ${k} distinct ${inDegree ? 'pre' : 'post'} neurons, but only ${m} are available`,
        );
      }
      const pool = new Int32Array(m);
      for (let a = 0; a < m; a++) pool[a] = a;
      const pick = new Int32Array(k);
      const swaps = new Int32Array(k);
      const a = new Int32Array(rows * k);
      const b = new Int32Array(rows * k);
      let s = 0;
      for (let r = 0; r < rows; r++) {
        sampleDistinct(pool, m, k, rng, pick, swaps);
        pick.sort();
        for (let q = 0; q < k; q++) {
          let c = pick[q] as number;
          if (noSelf && c >= r) c += 1;
          a[s] = r;
          b[s] = c;
          s++;
        }
      }
      if (!inDegree) {
        const ptr = new Int32Array(nPre + 1);
        for (let i = 0; i < nPre; i++) ptr[i + 1] = (i + 1) * k;
        return { ptr, idx: b };
      }
      const { ptr, idx } = fromPairs(nPre, b, a);
      return { ptr, idx };
    }
    case 'fromList': {
      const n = rule.i.length;
      const pre = new Int32Array(n);
      const post = new Int32Array(n);
      for (let s = 0; s < n; s++) {
        const i = rule.i[s] as number;
        const j = rule.j[s] as number;
        if (!Number.isInteger(i) || i < 0 || i >= nPre)
          throw new SpikeflowError(where, 'connect', `fromList: i[${s}] must be a pre index in [0, ${nPre}), received ${show(i)}`);
        if (!Number.isInteger(j) || j < 0 || j >= nPost)
          throw new SpikeflowError(where, 'connect', `fromList: j[${s}] must be a post index in [0, ${nPost}), received ${show(j)}`);
        if (noSelf && i === j)
          throw new SpikeflowError(where, 'autapses', `fromList: synapse ${s} is an autapse (${i} → ${j}); set autapses: true to allow it`);
        pre[s] = i;
        post[s] = j;
      }
      return fromPairs(nPre, pre, post);
    }
    default:
      throw new SpikeflowError(
        where,
        'connect',
        `connect must be a connection rule (allToAll(), fixedProbability(p), …), received ${show(rule)}`,
      );
  }
};
