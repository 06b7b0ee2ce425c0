/**
 * Staging buffers of the threads backend's worker pools (Node's `pool.ts` and the browser's
 * `webPool.ts`): shared arrays that an input in ordinary memory is copied into before a run.
 * @module
 */
import type { DType, TensorData } from '../../tensor.js';

/** Staging buffers up to this size are kept for reuse; larger ones are allocated per run. */
export const STAGING_KEEP_BYTES = 64 * 1024 * 1024;

/**
 * A shared array of at least `length` elements of `dtype` for a staging `role`: the buffer kept in
 * `staging` for that role when it is large enough, else a new `SharedArrayBuffer` (kept for the
 * role when at most {@link STAGING_KEEP_BYTES}). Contents are not cleared.
 */
export const stageShared = (staging: Map<string, SharedArrayBuffer>, role: string, dtype: DType, length: number): TensorData => {
  const bytes = length * (dtype === 'float64' ? 8 : 4);
  let sab = staging.get(role);
  if (sab === undefined || sab.byteLength < bytes) {
    sab = new SharedArrayBuffer(Math.max(bytes, 8));
    if (bytes <= STAGING_KEEP_BYTES) staging.set(role, sab);
  }
  return dtype === 'float64' ? new Float64Array(sab, 0, length) : new Float32Array(sab, 0, length);
};

/**
 * Whether running `arrays` on worker threads would stage one of them in a fresh shared buffer
 * (an array outside shared memory larger than {@link STAGING_KEEP_BYTES}): its first write faults
 * in every page (about 2.4 s for 400 MB on the machine of issue 19, 5 s in Chromium), far more
 * than a second thread saves, so the threads backend then runs on the calling thread alone.
 */
export const stagesFresh = (arrays: readonly (TensorData | undefined)[]): boolean => {
  for (let k = 0; k < arrays.length; k++) if (stagedFresh(arrays[k])) return true;
  return false;
};

/**
 * {@link stagesFresh} of a call's arrays — its inputs, output and records — without gathering them
 * into an array (the threads run asks it for every chunk of a stream).
 */
export const callStagesFresh = (inputs: readonly TensorData[], out: TensorData, record: readonly TensorData[] | undefined): boolean => {
  if (stagedFresh(out)) return true;
  for (let k = 0; k < inputs.length; k++) if (stagedFresh(inputs[k])) return true;
  if (record !== undefined) for (let k = 0; k < record.length; k++) if (stagedFresh(record[k])) return true;
  return false;
};

/** Whether one array lies outside shared memory and is larger than {@link STAGING_KEEP_BYTES}. */
const stagedFresh = (a: TensorData | undefined): boolean =>
  a !== undefined &&
  a.byteLength > STAGING_KEEP_BYTES &&
  !(typeof SharedArrayBuffer !== 'undefined' && a.buffer instanceof SharedArrayBuffer);
