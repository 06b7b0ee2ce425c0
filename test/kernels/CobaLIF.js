// CobaLIF (spikeflow `cobaLif`): the per-neuron update, fully expanded.
// Generated from the model definition by test/ops/update/snapshots.test.ts; do not edit (npm run kernels:update).
// inputs: x · state: v, gE, gI · output: z
// R(e): e rounded to float32 in float32 runs (removed in float64).
function coba_lif(x, v, gE, gI, tauSynExcInv, tauSynInhInv, cMInv, gL, eRevI, eRevE, vRest, vReset, vThresh, resetMode, scheme, currentInput, dt) {
  const gEJ = R(gE + (x > 0 ? x : 0));
  const gIJ = R(gI + (-x > 0 ? -x : 0));
  const gEDec = scheme > 0.5 ? R(gEJ * R(Math.exp(R(-dt * tauSynExcInv)))) : R(gEJ + R(R(-dt * tauSynExcInv) * gEJ));
  const gIDec = scheme > 0.5 ? R(gIJ * R(Math.exp(R(-dt * tauSynInhInv)))) : R(gIJ + R(R(-dt * tauSynInhInv) * gIJ));
  gE = gEDec;
  gI = gIDec;
  const drive = R(R(R(gL * R(vRest - v)) + R(gE * R(eRevE - v))) + R(gI * R(eRevI - v)));
  const gTot = R(R(gL + gE) + gI);
  const vDec = scheme > 0.5 ? gTot > 0 ? R(v + R(R(1 - R(Math.exp(R(R(-dt * cMInv) * gTot)))) * R(drive / gTot))) : v : R(v + R(R(dt * cMInv) * drive));
  const z = R(vDec - vThresh) > 0 ? 1 : 0;
  const vNew = resetMode < 0.5 ? R(R(R(1 - z) * vDec) + R(z * vReset)) : resetMode < 1.5 ? R(R(R(1 - z) * vDec) + R(z * R(vDec - vThresh))) : vDec;
  v = vNew;
  return { z, v, gE, gI };
}
