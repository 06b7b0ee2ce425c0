// LIFAdExRefracRecurrent (spikeflow `lifAdExRefracRecurrent`): the per-neuron update, fully expanded.
// Generated from the model definition by test/ops/update/snapshots.test.ts; do not edit (npm run kernels:update).
// inputs: xa, xb · state: v, i, a, rho · output: zOut
// R(e): e rounded to float32 in float32 runs (removed in float64).
function lif_adex_refrac_recurrent(xa, xb, v, i, a, rho, adaptationCurrent, adaptationSpike, deltaT, tauAdaInv, tauSynInv, tauMemInv, vLeak, vTh, vReset, resetMode, scheme, currentInput, rhoReset, dt) {
  const iIn = currentInput > 0.5 ? scheme > 0.5 ? i : R(i + R(R(dt * tauSynInv) * xa)) : R(i + xa);
  const iHeld = currentInput > 0.5 ? scheme > 0.5 ? xa : 0 : 0;
  const iJ = R(iIn + xb);
  const dvExp = R(deltaT * R(Math.exp(R(R(v - vTh) / deltaT))));
  const kMem = scheme > 0.5 ? R(1 - R(Math.exp(R(-dt * tauMemInv)))) : R(dt * tauMemInv);
  const vDec = R(v + R(kMem * R(R(R(R(vLeak - v) + dvExp) + iJ) - a)));
  const iDec = scheme > 0.5 ? R(iHeld + R(R(iJ - iHeld) * R(Math.exp(R(-dt * tauSynInv))))) : R(iJ + R(R(-dt * tauSynInv) * iJ));
  const kAda = scheme > 0.5 ? R(1 - R(Math.exp(R(-dt * tauAdaInv)))) : R(dt * tauAdaInv);
  const aDec = R(a + R(kAda * R(R(adaptationCurrent * R(v - vLeak)) - a)));
  const z = R(vDec - vTh) > 0 ? 1 : 0;
  const vNew = resetMode < 0.5 ? R(R(R(1 - z) * vDec) + R(z * vReset)) : resetMode < 1.5 ? R(R(R(1 - z) * vDec) + R(z * R(vDec - vTh))) : vDec;
  const aNew = R(aDec + R(z * adaptationSpike));
  const m = rho > 0 ? 1 : 0;
  const vOut = R(R(R(1 - m) * vNew) + R(m * v));
  const zOut = R(1 - m) * z;
  const rhoDec = R(rho - m);
  rho = R(R(R(1 - zOut) * (rhoDec > 0 ? rhoDec : 0)) + R(zOut * rhoReset));
  v = vOut;
  i = iDec;
  a = aNew;
  return { zOut, v, i, a, rho };
}
