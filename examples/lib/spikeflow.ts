/**
 * The spikeflow API as the live-coding pane sees it (`sf` in the editor): tensors, linear maps,
 * neuron models and layers. Only browser-safe modules are listed here; every model of the
 * registry is also reachable as `sf.models.LIFEx`, `sf.modelByName('lsnn')`, etc.
 * @module
 */
export * from '../../src/neurons/iaf.js';
export * from '../../src/neurons/li.js';
export * from '../../src/neurons/liBox.js';
export * from '../../src/neurons/lif.js';
export * from '../../src/neurons/lifBox.js';
export * from '../../src/neurons/lifRecurrent.js';
export * from '../../src/neurons/lifRefrac.js';
export * from '../../src/neurons/lifRefracRecurrent.js';
export { defineModel, SURROGATE_METHODS } from '../../src/neurons/model.js';
export * from '../../src/neurons/registry.js';
export * from '../../src/neurons/sequential.js';
export * from '../../src/ops/errors.js';
export * from '../../src/ops/linear.js';
export * from '../../src/ops/random.js';
export * from '../../src/ops/tensor.js';
