// LSNN (spikeflow `lsnn`): the per-neuron update, fully expanded.
// Generated from the model definition by test/ops/update/snapshots.test.ts; do not edit (npm run kernels:update).
// inputs: x · state: v, i, b · output: z
// R(e): e rounded to float32 in float32 runs (removed in float64).
function lsnn(x, v, i, b, tauSynInv, tauMemInv, tauAdaptInv, vLeak, vTh, vReset, beta, resetMode, exact, dt) {
  const kMem = exact > 0.5 ? R(1 - R(Math.exp(R(-dt * tauMemInv)))) : R(dt * tauMemInv);
  const vDec = R(v + R(kMem * R(R(vLeak - v) + i)));
  const iDec = exact > 0.5 ? R(i * R(Math.exp(R(-dt * tauSynInv)))) : R(i + R(R(-dt * tauSynInv) * i));
  const kAdapt = exact > 0.5 ? R(1 - R(Math.exp(R(-dt * tauAdaptInv)))) : R(dt * tauAdaptInv);
  const bDec = R(b + R(kAdapt * R(vTh - b)));
  const z = R(vDec - bDec) > 0 ? 1 : 0;
  const vNew = resetMode < 0.5 ? R(R(R(1 - z) * vDec) + R(z * vReset)) : resetMode < 1.5 ? R(R(R(1 - z) * vDec) + R(z * R(vDec - bDec))) : vDec;
  v = vNew;
  b = R(bDec + R(z * beta));
  i = R(iDec + x);
  return { z, v, i, b };
}
