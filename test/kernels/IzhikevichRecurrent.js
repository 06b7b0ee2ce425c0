// IzhikevichRecurrent (spikeflow `izhikevichRecurrent`): the per-neuron update, fully expanded.
// Generated from the model definition by test/ops/update/snapshots.test.ts; do not edit (npm run kernels:update).
// inputs: xa, xb · state: v, u · output: z
// R(e): e rounded to float32 in float32 runs (removed in float64).
function izhikevich_recurrent(xa, xb, v, u, a, b, c, d, sq, mn, bias, vTh, tauInv, uLeak, uOffset, updateOrder, dt) {
  const drive = R(R(R(R(sq * R(v * v)) + R(mn * v)) + bias) - u);
  const total = R(R(drive + xa) + xb);
  const vDec = R(v + R(R(tauInv * dt) * total));
  const vU = updateOrder > 0.5 ? vDec : v;
  const uDec = R(u + R(R(R(tauInv * dt) * a) * R(R(b * R(vU - uOffset)) - R(uLeak * u))));
  const z = R(vDec - vTh) > 0 ? 1 : 0;
  v = R(R(R(1 - z) * vDec) + R(z * c));
  u = R(R(R(1 - z) * uDec) + R(z * R(uDec + d)));
  return { z, v, u };
}
