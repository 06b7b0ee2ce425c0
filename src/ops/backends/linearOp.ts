/**
 * The linear map `y = x Wᵀ + b` (torch's `nn.Linear`) dispatched through the backend registry:
 * on `js` it is {@link linear}'s dense product; on `gpu` a gpu.js kernel whose result stays on
 * the device, so that a following neuron layer on the same backend reads it there
 * (LIF → Linear → LI on the device end to end).
 * @module
 */
import './builtin.js';
import { orThrow, SpikeflowError, show } from '../errors.js';
import { checkLinearInput, type LinearParameters } from '../linear.js';
import { dtypeOf, finiteTensor, isTensor, sizeOf, type Tensor } from '../tensor.js';
import { type BackendChoice, checkBackendChoice, type LinearRequest, resolveBackend, tagExecution } from './backendRegistry.js';
import { isDeviceTensor } from './device.js';

/** Options of {@link linearOp}. */
export interface LinearOpOptions {
  /** Backend (default `auto`), as for neuron runs; what ran: `executionOf(y)`. */
  readonly backend?: BackendChoice;
}

/**
 * A linear map over the last dimension as an op: `linearOp(p, { backend })(x)` with `x`
 * `[..., in]` returns `[..., out]`. Each op instance is one layer: on `gpu` its previous result
 * is retired (copied to the host if nobody read it) when it runs again.
 * Source: torch.nn.functional.linear.
 * @param p - weights from `linearParameters` or `linearInit`
 * @param options - `{ backend }`
 * @throws SpikeflowError for bad options (at construction); when the last dimension of `x` differs
 *   from `in`, dtypes differ, `x` is not finite, or the chosen backend cannot run it (at call)
 */
export const linearOp = (p: LinearParameters, options: LinearOpOptions = {}): ((x: Tensor) => Tensor) => {
  const where = 'linear';
  if (options === null || typeof options !== 'object') {
    throw new SpikeflowError(where, 'options', `options must be an object, received ${show(options)}`);
  }
  const unknown = Object.keys(options).filter((k) => k !== 'backend');
  if (unknown.length > 0) throw new SpikeflowError(where, 'options', `unknown option ${JSON.stringify(unknown[0])}; expected backend`);
  const backend = checkBackendChoice(where, options.backend);
  const owner = {};
  return (x: Tensor): Tensor => {
    const device = isDeviceTensor(x);
    if (!device) orThrow(where)(isTensor('input', x));
    const [O, K] = checkLinearInput(where, p, x.shape, device ? 'float32' : dtypeOf(x));
    if (!device) orThrow(where)(finiteTensor('input', x));
    const request: LinearRequest = { where, x, weight: p.weight, bias: p.bias, rows: sizeOf(x.shape) / K, K, O, owner };
    const chosen = resolveBackend(where, backend, 'linear', request);
    const { out, executed } = chosen.kernel.run(request, chosen.backend);
    const d = chosen.backend.describe();
    return tagExecution(out, {
      backend: chosen.backend.name,
      device: executed?.device ?? d.device,
      requested: chosen.requested,
      renderer: d.renderer,
      note: executed?.note ?? chosen.note,
    });
  };
};
