/**
 * spikeflow: spiking neural networks as reactive dataflow.
 *
 * Neuron models identical to Norse (pure `step`, fused `run` over `[T, batch, N]` chunks),
 * tensors, linear maps and sequential composition.
 * @packageDocumentation
 */
export * from './neurons/iaf.js';
export * from './neurons/li.js';
export * from './neurons/liBox.js';
export * from './neurons/lif.js';
export * from './neurons/lifBox.js';
export * from './neurons/lifRecurrent.js';
export * from './neurons/lifRefrac.js';
export * from './neurons/lifRefracRecurrent.js';
export * from './neurons/model.js';
export * from './neurons/registry.js';
export * from './neurons/sequential.js';
export * from './ops/errors.js';
export * from './ops/kernel.js';
export * from './ops/linear.js';
export * from './ops/random.js';
export * from './ops/tensor.js';
