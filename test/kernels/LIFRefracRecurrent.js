// LIFRefracRecurrent (spikeflow `lifRefracRecurrent`): the per-neuron update, fully expanded.
// Generated from the model definition by test/ops/update/snapshots.test.ts; do not edit (npm run kernels:update).
// inputs: xa, xb · state: v, i, rho · output: zOut
// R(e): e rounded to float32 in float32 runs (removed in float64).
function lif_refrac_recurrent(xa, xb, v, i, rho, tauSynInv, tauMemInv, vLeak, vTh, vReset, resetMode, exact, rhoReset, dt) {
  const iJ = R(R(i + xa) + xb);
  const kMem = exact > 0.5 ? R(1 - R(Math.exp(R(-dt * tauMemInv)))) : R(dt * tauMemInv);
  const vDec = R(v + R(kMem * R(R(vLeak - v) + iJ)));
  const iDec = exact > 0.5 ? R(iJ * R(Math.exp(R(-dt * tauSynInv)))) : R(iJ + R(R(-dt * tauSynInv) * iJ));
  const z = R(vDec - vTh) > 0 ? 1 : 0;
  const vNew = resetMode < 0.5 ? R(R(R(1 - z) * vDec) + R(z * vReset)) : resetMode < 1.5 ? R(R(R(1 - z) * vDec) + R(z * R(vDec - vTh))) : vDec;
  const m = rho > 0 ? 1 : 0;
  const vOut = R(R(R(1 - m) * vNew) + R(m * v));
  const zOut = R(1 - m) * z;
  const rhoDec = R(rho - m);
  rho = R(R(R(1 - zOut) * (rhoDec > 0 ? rhoDec : 0)) + R(zOut * rhoReset));
  v = vOut;
  i = iDec;
  return { zOut, v, i, rho };
}
