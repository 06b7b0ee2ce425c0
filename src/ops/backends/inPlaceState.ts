/**
 * The state arrays a fused neuron run may update in place: those of a request whose caller gave
 * its state up (`NeuronRunRequest.inPlace`, set by `run(xs, state, { inPlace: true })`, which the
 * `layer` stream operator uses for the state it alone holds).
 *
 * Why: a stream of chunks otherwise allocates (and, when large, faults in) a new state per chunk
 * and copies the old one into it; in place, a chunk allocates no state at all.
 * @module
 */
import { dtypeOf, type Tensor, type TensorData } from '../tensor.js';
import { isDeviceTensor } from './device.js';
import type { NeuronRunRequest } from './requests.js';

/**
 * The arrays of `r.state` in `r.stateNames` order, to be updated in place by the run, when the
 * request allows it and they fit: ordinary typed arrays of the run's dtype with `M` elements each,
 * in shared memory when `shared` (a multi-threaded run), no two overlapping each other or the
 * input or output. Otherwise `undefined` (the run then works on a copy, as without `inPlace`).
 * @param r - the run's request
 * @param shared - whether the run's threads need the arrays in shared memory
 */
export const inPlaceState = (r: NeuronRunRequest, shared: boolean): TensorData[] | undefined => {
  if (r.inPlace !== true) return undefined;
  const arrays: TensorData[] = [];
  for (const name of r.stateNames) {
    const t = r.state[name] as Tensor | undefined;
    if (t === undefined || isDeviceTensor(t)) return undefined; // (reading a device tensor's data copies it back)
    const d = t.data;
    if (!(d instanceof Float32Array || d instanceof Float64Array) || dtypeOf(t) !== r.dtype || d.length !== r.M) return undefined;
    if (shared && !(typeof SharedArrayBuffer === 'function' && d.buffer instanceof SharedArrayBuffer)) return undefined;
    arrays.push(d);
  }
  const input = r.input.data;
  const out = r.out;
  // each array's buffer read once (a stream asks this every chunk; `buffer` is not a plain field)
  const inputBuffer = input.buffer;
  const outBuffer = out?.buffer;
  for (let k = 0; k < arrays.length; k++) {
    const a = arrays[k] as TensorData;
    const buffer = a.buffer;
    for (let j = k + 1; j < arrays.length; j++) {
      const b = arrays[j] as TensorData;
      if (buffer === b.buffer && overlap(a, b)) return undefined;
    }
    if (buffer === inputBuffer && overlap(a, input)) return undefined;
    if (out !== undefined && buffer === outBuffer && overlap(a, out)) return undefined;
  }
  return arrays;
};

/** Whether two arrays of one buffer share bytes. */
const overlap = (a: TensorData, b: TensorData): boolean =>
  a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
