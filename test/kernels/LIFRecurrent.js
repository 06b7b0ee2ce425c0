// LIFRecurrent (spikeflow `lifRecurrent`): the per-neuron update, fully expanded.
// Generated from the model definition by test/ops/update/snapshots.test.ts; do not edit (npm run kernels:update).
// inputs: xa, xb · state: v, i · output: z
// R(e): e rounded to float32 in float32 runs (removed in float64).
function lif_recurrent(xa, xb, v, i, tauSynInv, tauMemInv, vLeak, vTh, vReset, resetMode, exact, dt) {
  const iJ = R(R(i + xa) + xb);
  const kMem = exact > 0.5 ? R(1 - R(Math.exp(R(-dt * tauMemInv)))) : R(dt * tauMemInv);
  const vDec = R(v + R(kMem * R(R(vLeak - v) + iJ)));
  const iDec = exact > 0.5 ? R(iJ * R(Math.exp(R(-dt * tauSynInv)))) : R(iJ + R(R(-dt * tauSynInv) * iJ));
  const z = R(vDec - vTh) > 0 ? 1 : 0;
  const vNew = resetMode < 0.5 ? R(R(R(1 - z) * vDec) + R(z * vReset)) : resetMode < 1.5 ? R(R(R(1 - z) * vDec) + R(z * R(vDec - vTh))) : vDec;
  v = vNew;
  i = iDec;
  return { z, v, i };
}
