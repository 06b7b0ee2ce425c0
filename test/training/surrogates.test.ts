/** Surrogate derivatives: hand-derived values, the overflow cases, and bad input. */
import { describe, expect, it } from 'vitest';
import { SURROGATES, surrogateGradient } from '../../src/ops/surrogates.js';
import { expectArgumentError } from '../expect.js';

describe('surrogate gradients', () => {
  it('values at the threshold (x = 0)', () => {
    expect(surrogateGradient('super', 100)(0)).toBe(1);
    expect(surrogateGradient('triangle', 0.3)(0)).toBe(0.3);
    expect(surrogateGradient('tanh', 100)(0)).toBe(1);
    expect(surrogateGradient('circ', 2)(0)).toBe(1); // 2α·1/(2α)
    expect(surrogateGradient('sigmoid', 4)(0)).toBe(1);
    expect(surrogateGradient('heaviside', 1)(0)).toBe(0);
  });
  it('hand-derived values away from the threshold', () => {
    expect(surrogateGradient('super', 100)(0.01)).toBe(0.25); // 1/(1 + 1)²
    expect(surrogateGradient('triangle', 0.3)(-0.5)).toBeCloseTo(0.15, 15);
    expect(surrogateGradient('triangle', 0.3)(2)).toBe(0);
    expect(surrogateGradient('tanh', 1)(1)).toBeCloseTo(1 - Math.tanh(1) ** 2, 15);
  });
  it('never overflows: sigmoid at x = −5 with slope 25, and extreme arguments', () => {
    const s = surrogateGradient('sigmoid', 25)(-5);
    expect(Number.isFinite(s)).toBe(true);
    expect(s).toBeCloseTo(25 * Math.exp(-125), 60);
    for (const m of SURROGATES) {
      for (const x of [-1e308, -1e3, -5, 0, 5, 1e3, 1e308]) {
        const v = surrogateGradient(m, m === 'triangle' ? 0.3 : 25)(x);
        expect(Number.isFinite(v), `${m}(${x})`).toBe(true);
        expect(v).toBeGreaterThanOrEqual(0);
      }
    }
  });
  it('rejects adjoint (no BPTT form) and a bad alpha, by name', () => {
    expectArgumentError(() => surrogateGradient('adjoint', 100), 'method', /heavi_erfc/);
    expectArgumentError(() => surrogateGradient('super', -1), 'alpha');
  });
});
