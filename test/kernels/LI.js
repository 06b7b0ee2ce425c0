// LI (spikeflow `li`): the per-neuron update, fully expanded.
// Generated from the model definition by test/ops/update/snapshots.test.ts; do not edit (npm run kernels:update).
// inputs: x · state: v, i · output: v
// R(e): e rounded to float32 in float32 runs (removed in float64).
function li(x, v, i, tauSynInv, tauMemInv, vLeak, exact, dt) {
  const iJ = R(i + x);
  const kMem = exact > 0.5 ? R(1 - R(Math.exp(R(-dt * tauMemInv)))) : R(dt * tauMemInv);
  v = R(v + R(kMem * R(R(vLeak - v) + iJ)));
  const iDec = exact > 0.5 ? R(iJ * R(Math.exp(R(-dt * tauSynInv)))) : R(iJ + R(R(-dt * tauSynInv) * iJ));
  i = iDec;
  return { v, i };
}
