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

const memo = new Map<string, ReturnType<typeof measure>>();
const at = (g: number, nu: number) => {
  const key = `${g}/${nu}`;
  let m = memo.get(key);
  if (m === undefined) {
    m = measure(g, nu);
    memo.set(key, m);
  }
  return m;
};
const LONG = 240_000;

describe("Brunel (2000) regimes at small size (the paper's (g, ν_ext/ν_thr) points)", () => {
  it(
    'SR (3, 2): regular neurons at a high rate, strongly synchronous',
    () => {
      const m = at(3, 2);
      expect(classifyBrunel(m).regime).toBe('SR');
      expect(m.cv).toBeLessThan(0.2);
      expect(m.rate).toBeGreaterThan(200);
    },
    LONG,
  );

  it(
    'AI (5, 2): irregular (CV > 0.8) and less synchronous than SR',
    () => {
      const m = at(5, 2);
      expect(classifyBrunel(m).regime).toBe('AI');
      expect(m.cv).toBeGreaterThan(0.8);
      expect(m.synchrony).toBeLessThan(at(3, 2).synchrony);
    },
    LONG,
  );

  it(
    'SI fast (6, 4): irregular neurons, population oscillation above 150 Hz',
    () => {
      const m = at(6, 4);
      expect(classifyBrunel(m).regime).toBe('SI fast');
      expect(m.cv).toBeGreaterThan(0.8);
    },
    LONG,
  );

  it(
    'SI slow (4.5, 0.9): low rate, slow population oscillation',
    () => {
      const m = at(4.5, 0.9);
      expect(classifyBrunel(m).regime).toBe('SI slow');
      expect(m.rate).toBeLessThan(at(5, 2).rate);
    },
    LONG,
  );
});
