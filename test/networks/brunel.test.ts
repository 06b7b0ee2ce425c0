import { describe, expect, it } from 'vitest';
import { binnedRate, classifyBrunel, isiCv, meanRate, mergeSpikes, rateSpectrum, synchrony } from '../../src/networks/analysis.js';
import { brunelNetwork } from '../../src/networks/classic.js';

// Brunel (2000) at a size a test affords: N_E 1000, C_E 250 and J 0.4 mV (J·C_E = 100 mV as in
// the paper), 0.1 s of transient, then 0.4 s measured.
const measure = (g: number, nu: number) => {
  const nE = 1000;
  const dt = 1e-4;
  const net = brunelNetwork({ nE, cE: 250, j: 0.4, g, nuExtOverNuThr: nu, seed: 5 });
  const [, s0] = net.run(1000);
  const [c] = net.run(4000, s0);
  const s = mergeSpikes([c], 'E');
  return {
    rate: meanRate(s, nE, 0.4),
    cv: isiCv(s, nE),
    synchrony: synchrony(s, nE, 20, c.start, c.steps),
    peak: rateSpectrum(binnedRate(s, nE, dt, 5, c.start, c.steps), 5 * dt).peak,
  };
};

describe('Brunel (2000) regimes at small size', () => {
  it("places each of the paper's (g, ν_ext/ν_thr) points in its regime", () => {
    const sr = measure(3, 2);
    const ai = measure(5, 2);
    const fast = measure(6, 4);
    const slow = measure(4.5, 0.9);
    const seen = [sr, ai, fast, slow].map(
      (m) =>
        `${classifyBrunel(m).regime} (rate ${m.rate.toFixed(1)}, cv ${m.cv.toFixed(2)}, χ ${m.synchrony.toFixed(3)}, peak ${m.peak.toFixed(0)})`,
    );
    expect(seen.map((s) => s.split(' (')[0])).toEqual(['SR', 'AI', 'SI fast', 'SI slow']);
    // SR: regular neurons at high rate, near refractory-limited; AI: irregular (CV > 0.8), less synchronous than SR.
    expect(sr.cv).toBeLessThan(0.2);
    expect(sr.rate).toBeGreaterThan(200);
    expect(ai.cv).toBeGreaterThan(0.8);
    expect(ai.synchrony).toBeLessThan(sr.synchrony);
    expect(slow.rate).toBeLessThan(ai.rate);
  });
});
