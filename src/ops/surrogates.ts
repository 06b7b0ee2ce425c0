/**
 * Surrogate gradients of the spike threshold. The forward pass of every spiking model is the
 * Heaviside step `z = Θ(x)` with `x = v − v_th` (strict, `x > 0`); backpropagation through time
 * replaces its derivative (zero almost everywhere) by a smooth pseudo-derivative `σ'(x)` chosen by
 * the models' `method` and `alpha` parameters, as Norse's `threshold(x, method, alpha)` does.
 *
 * | method       | `σ'(x)`                                                   | source (Norse) |
 * | ------------ | --------------------------------------------------------- | -------------- |
 * | `super`      | `1 / (α·|x| + 1)²` (SuperSpike, Zenke & Ganguli 2018)     | `superspike.py` `SuperSpike` |
 * | `triangle`   | `α · max(0, 1 − |x|)` (Esser 2016, Bellec 2020)           | `threshold.py` `Triangle` |
 * | `tent`       | alias of `triangle`                                       | — |
 * | `tanh`       | `1 − tanh²(α·x)`                                          | `threshold.py` `HeaviTanh` |
 * | `logistic`   | `1 − tanh²(α·x)` (Norse's `Logistic` backward; our forward stays deterministic) | `threshold.py` `Logistic` |
 * | `circ`       | `2α·(1 / (2·√(α² + x²)) − x² / (2·(α² + x²)^{3/2}))` = `(α/√(α² + x²))³` | `threshold.py` `HeaviCirc` |
 * | `heavi_erfc` | `2·e^{−(α·x)²} / √π` (√π rounded to float32, as Norse)                                      | `threshold.py` `HeaviErfc` |
 * | `sigmoid`    | `α·s(αx)·(1 − s(αx))`, `s` the logistic sigmoid (snnTorch's `sigmoid`), computed as `α·e^{−|αx|}/(1 + e^{−|αx|})²` so that it never overflows | snnTorch `surrogate.sigmoid` |
 * | `heaviside`  | `0` (no gradient flows through the threshold, as torch's `gt`) | `heaviside.py` |
 *
 * Norse's defaults: `alpha = 100` for the models (`LIFParameters.alpha`); Norse's `triangle_fn`
 * alone defaults to 0.3 when called directly. Every surrogate is finite for every finite `x` and
 * `α` (no `exp` of a large positive number is ever formed).
 * @module
 */
import { SpikeflowError, show } from './errors.js';

/** Surrogate methods with a backward pass (Norse's `threshold` methods plus `logistic`, `sigmoid`, `tent`). */
export const SURROGATES = ['super', 'triangle', 'tent', 'tanh', 'logistic', 'circ', 'heavi_erfc', 'sigmoid', 'heaviside'] as const;

/** A surrogate method name. */
export type SurrogateMethod = (typeof SURROGATES)[number];

/** A surrogate derivative `σ'(x)` of the step at `x = v − v_th`. */
export type SurrogateGradient = (x: number) => number;

/**
 * √π as Norse's `HeaviErfc` computes it: `torch.as_tensor(np.pi).sqrt()` makes a float32 tensor
 * (`np.pi` is a Python float and torch's default dtype is float32), so the constant is
 * `sqrt_f32(fround(π))`, 3.0e-8 relative above the exact `2/√π`; kept so that gradients equal Norse's.
 */
const SQRT_PI = Math.fround(Math.sqrt(Math.fround(Math.PI)));

/**
 * The surrogate derivative for `method` with slope `alpha` (see the module table).
 * @param method - one of {@link SURROGATES}
 * @param alpha - slope (finite, > 0 for every method but `heaviside`)
 * @returns `σ'(x)`, finite for finite `x`
 * @throws SpikeflowError for an unknown method (e.g. Norse's `adjoint`, which has no BPTT form) or a bad `alpha`
 */
export const surrogateGradient = (method: string, alpha: number): SurrogateGradient => {
  if (!(SURROGATES as readonly string[]).includes(method)) {
    throw new SpikeflowError(
      'surrogateGradient',
      'method',
      `method must be one of ${SURROGATES.join(', ')} for backpropagation through time, received ${show(method)}`,
    );
  }
  if (typeof alpha !== 'number' || !Number.isFinite(alpha) || alpha <= 0) {
    throw new SpikeflowError('surrogateGradient', 'alpha', `alpha must be a finite number > 0, received ${show(alpha)}`);
  }
  const a = alpha;
  switch (method as SurrogateMethod) {
    case 'super':
      return (x) => {
        const d = a * Math.abs(x) + 1;
        return 1 / (d * d);
      };
    case 'triangle':
    case 'tent':
      return (x) => a * Math.max(0, 1 - Math.abs(x));
    case 'tanh':
    case 'logistic':
      return (x) => {
        const t = Math.tanh(x * a);
        return 1 - t * t;
      };
    case 'circ':
      // Norse's 2α·(1/(2√s) − x²/(2·s^{3/2})), s = α² + x², equals (α/√s)³; this form stays finite
      // where x² overflows
      return (x) => {
        const r = a / Math.sqrt(a * a + x * x);
        return r * r * r;
      };
    case 'heavi_erfc':
      return (x) => {
        const kx = a * x;
        return (2 * Math.exp(-(kx * kx))) / SQRT_PI;
      };
    case 'sigmoid':
      return (x) => {
        const e = Math.exp(-Math.abs(a * x));
        const d = 1 + e;
        return (a * e) / (d * d);
      };
    case 'heaviside':
      return () => 0;
  }
};
