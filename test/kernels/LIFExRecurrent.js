// LIFExRecurrent (spikeflow `lifExRecurrent`): the per-neuron update, fully expanded.
// Generated from the model definition by test/ops/update/snapshots.test.ts; do not edit (npm run kernels:update).
// inputs: xa, xb · state: v, i · output: z
// R(e): e rounded to float32 in float32 runs (removed in float64).
function lif_ex_recurrent(xa, xb, v, i, deltaT, tauSynInv, tauMemInv, vLeak, vTh, vReset, resetMode, scheme, currentInput, dt) {
  const iIn = currentInput > 0.5 ? scheme > 0.5 ? i : R(i + R(R(dt * tauSynInv) * xa)) : R(i + xa);
  const iHeld = currentInput > 0.5 ? scheme > 0.5 ? xa : 0 : 0;
  const iJ = R(iIn + xb);
  const dvExp = R(deltaT * R(Math.exp(R(R(v - vTh) / deltaT))));
  const kMem = scheme > 0.5 ? R(1 - R(Math.exp(R(-dt * tauMemInv)))) : R(dt * tauMemInv);
  const vDec = R(v + R(kMem * R(R(R(vLeak - v) + dvExp) + iJ)));
  const iDec = scheme > 0.5 ? R(iHeld + R(R(iJ - iHeld) * R(Math.exp(R(-dt * tauSynInv))))) : R(iJ + R(R(-dt * tauSynInv) * iJ));
  const z = R(vDec - vTh) > 0 ? 1 : 0;
  const vNew = resetMode < 0.5 ? R(R(R(1 - z) * vDec) + R(z * vReset)) : resetMode < 1.5 ? R(R(R(1 - z) * vDec) + R(z * R(vDec - vTh))) : vDec;
  v = vNew;
  i = iDec;
  return { z, v, i };
}
