// LIFBox (spikeflow `lifBox`): the per-neuron update, fully expanded.
// Generated from the model definition by test/ops/update/snapshots.test.ts; do not edit (npm run kernels:update).
// inputs: x · state: v · output: z
// R(e): e rounded to float32 in float32 runs (removed in float64).
function lif_box(x, v, tauMemInv, vLeak, vTh, vReset, resetMode, scheme, currentInput, dt) {
  const vDec = scheme > 0.5 ? R(R(x + vLeak) + R(R(v - R(x + vLeak)) * R(Math.exp(R(-dt * tauMemInv))))) : R(v + R(R(dt * tauMemInv) * R(R(x + vLeak) - v)));
  const z = R(vDec - vTh) > 0 ? 1 : 0;
  const vNew = resetMode < 0.5 ? R(R(R(1 - z) * vDec) + R(z * vReset)) : resetMode < 1.5 ? R(R(R(1 - z) * vDec) + R(z * R(vDec - vTh))) : vDec;
  v = vNew;
  return { z, v };
}
