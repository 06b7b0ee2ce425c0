// LIBox (spikeflow `liBox`): the per-neuron update, fully expanded.
// Generated from the model definition by test/ops/update/snapshots.test.ts; do not edit (npm run kernels:update).
// inputs: x · state: v · output: v
// R(e): e rounded to float32 in float32 runs (removed in float64).
function li_box(x, v, tauMemInv, vLeak, resetMode, scheme, currentInput, dt) {
  const vDec = scheme > 0.5 ? R(R(x + vLeak) + R(R(v - R(x + vLeak)) * R(Math.exp(R(-dt * tauMemInv))))) : R(v + R(R(dt * tauMemInv) * R(R(vLeak - v) + x)));
  v = vDec;
  return { v };
}
