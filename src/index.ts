/**
 * spikeflow: spiking neural networks as reactive dataflow.
 *
 * Neuron models identical to Norse (pure `step`, fused `run` over `[T, batch, N]` chunks),
 * tensors, linear maps and sequential composition.
 * @packageDocumentation
 */

export * from './io/browser/index.js';
export * from './io/decodeStream.js';
export * from './io/formats/index.js';
export * from './neurons/cobaLif.js';
export * from './neurons/iaf.js';
export * from './neurons/izhikevich.js';
export * from './neurons/izhikevichRecurrent.js';
export * from './neurons/li.js';
export * from './neurons/liBox.js';
export * from './neurons/lif.js';
export * from './neurons/lifAdEx.js';
export * from './neurons/lifAdExRecurrent.js';
export * from './neurons/lifAdExRefrac.js';
export * from './neurons/lifAdExRefracRecurrent.js';
export * from './neurons/lifBox.js';
export * from './neurons/lifEx.js';
export * from './neurons/lifExRecurrent.js';
export * from './neurons/lifOptions.js';
export * from './neurons/lifRecurrent.js';
export * from './neurons/lifRefrac.js';
export * from './neurons/lifRefracRecurrent.js';
export * from './neurons/lsnn.js';
export * from './neurons/lsnnRecurrent.js';
export * from './neurons/model.js';
export * from './neurons/network.js';
export * from './neurons/registry.js';
export * from './neurons/sequential.js';
export * from './ops/backends/backendRegistry.js';
export * from './ops/backends/builtin.js';
export * from './ops/backends/device.js';
export * from './ops/backends/gpu.js';
export * from './ops/backends/js.js';
export * from './ops/backends/linearOp.js';
export * from './ops/backends/threads.js';
export * from './ops/backends/threadsBackend.js';
export * from './ops/backends/wasmSimd.js';
export * from './ops/cochlea.js';
export * from './ops/decoders/expFilter.js';
export * from './ops/decoders/spikesToTimes.js';
export * from './ops/decoders/sumOverTime.js';
export * from './ops/encoders/cochleaEnvelopes.js';
export * from './ops/encoders/constantCurrentLif.js';
export * from './ops/encoders/deltaSpikes.js';
export * from './ops/encoders/lifSpikes.js';
export * from './ops/encoders/poisson.js';
export * from './ops/encoders/population.js';
export * from './ops/encoders/spikeLatency.js';
export * from './ops/encoders/spikeLatencyLif.js';
export * from './ops/errors.js';
export * from './ops/kernel.js';
export * from './ops/linear.js';
export * from './ops/plasticity/stdpLinear.js';
export * from './ops/plasticity/tsodyksMarkram.js';
export * from './ops/random.js';
export * from './ops/tensor.js';
export * from './streams/binEvents.js';
export * from './streams/constantCurrent.js';
export * from './streams/fromSteps.js';
export * from './streams/fromTensor.js';
export * from './streams/layer.js';
export * from './streams/networkStream.js';
export * from './streams/poissonSpikes.js';
export * from './streams/realTimeClock.js';
export * from './streams/scanLayer.js';
export * from './streams/stdp.js';
export * from './streams/tick.js';
export * from './streams/virtualClock.js';
export * from './viz/index.js';
