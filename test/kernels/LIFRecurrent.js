// LIFRecurrent (spikeflow `lifRecurrent`): the per-neuron update, fully expanded.
// Generated from the model definition by test/ops/update/snapshots.test.ts; do not edit (npm run kernels:update).
// inputs: xa, xb · state: v, i · output: z
// R(e): e rounded to float32 in float32 runs (removed in float64).
function lif_recurrent(xa, xb, v, i, tauSynInv, tauMemInv, vLeak, vTh, vReset, resetMode, scheme, currentInput, dt) {
  const iIn = currentInput > 0.5 ? scheme > 0.5 ? i : R(i + R(R(dt * tauSynInv) * xa)) : R(i + xa);
  const iHeld = currentInput > 0.5 ? scheme > 0.5 ? xa : 0 : 0;
  const iJ = R(iIn + xb);
  const eMem = scheme > 0.5 ? R(Math.exp(R(-dt * tauMemInv))) : 0;
  const eSyn = scheme > 0.5 ? R(Math.exp(R(-dt * tauSynInv))) : 0;
  const dRate = R(tauMemInv - tauSynInv);
  const dh = R(dRate * dt);
  const gMix = scheme > 1.5 ? Math.abs(dh) > 0.0009765625 ? R(R(tauMemInv * R(eSyn - eMem)) / dRate) : R(R(R(tauMemInv * dt) * eMem) * R(1 + R(dh * R(0.5 + R(dh * R(R(1 / 6) + R(dh / 24))))))) : 0;
  const vDec = scheme > 1.5 ? R(R(R(vLeak + iHeld) + R(R(R(v - vLeak) - iHeld) * eMem)) + R(R(iJ - iHeld) * gMix)) : R(v + R(R(scheme > 0.5 ? R(1 - eMem) : R(dt * tauMemInv)) * R(R(vLeak - v) + iJ)));
  const iDec = scheme > 0.5 ? R(iHeld + R(R(iJ - iHeld) * eSyn)) : R(iJ + R(R(-dt * tauSynInv) * iJ));
  const z = R(vDec - vTh) > 0 ? 1 : 0;
  const vNew = resetMode < 0.5 ? R(R(R(1 - z) * vDec) + R(z * vReset)) : resetMode < 1.5 ? R(R(R(1 - z) * vDec) + R(z * R(vDec - vTh))) : vDec;
  v = vNew;
  i = iDec;
  return { z, v, i };
}
