// IAF (spikeflow `iaf`): the per-neuron update, fully expanded.
// Generated from the model definition by test/ops/update/snapshots.test.ts; do not edit (npm run kernels:update).
// inputs: x · state: v · output: z
// R(e): e rounded to float32 in float32 runs (removed in float64).
function iaf(x, v, vTh, vReset, currentInput, dt) {
  const vJ = currentInput > 0.5 ? R(v + R(dt * x)) : R(v + x);
  const z = R(vJ - vTh) > 0 ? 1 : 0;
  v = R(R(R(1 - z) * vJ) + R(z * vReset));
  return { z, v };
}
