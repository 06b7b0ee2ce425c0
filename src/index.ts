/**
 * spikeflow: spiking neural networks as reactive dataflow — the browser-safe core.
 *
 * Neuron models identical to Norse (pure `step`, fused `run` over `[T, batch, N]` chunks) and
 * `defineModel` for your own, tensors, layers and their composition, encoders, decoders,
 * plasticity, RxJS sources, operators and clocks. Only the `js` backend is registered here; the
 * others register themselves when their entry is imported (`spikeflow/threads`, `spikeflow/gpu`;
 * `spikeflow/node` imports the threads one). Plots are in `spikeflow/viz`, file formats in
 * `spikeflow/formats`, browser devices in `spikeflow/browser`, Node I/O in `spikeflow/node`, the
 * backend plug-in interface in `spikeflow/backend`.
 * @example
 * ```ts
 * import { lif, tensor } from 'spikeflow';
 * const [spikes, state] = lif.run({ tauMemInv: 100 }, 0.001)(tensor([[[2]], [[2]], [[2]]]));
 * ```
 * @packageDocumentation
 */

export { binnedRate, isiCv, meanRate, mergeSpikes, rateSpectrum, type Spectrum, synchrony } from './networks/analysis.js';
// --- networks: populations joined by sparse, delayed projections ---
export {
  allToAll,
  type BrunelOptions,
  brunelNetwork,
  type ConnectRule,
  cobaNetwork,
  conductancePort,
  cubaNetwork,
  currentDrive,
  currentPort,
  type Distribution,
  type Drive,
  deltaPort,
  fixedInDegree,
  fixedOutDegree,
  fixedProbability,
  fromList,
  type NetworkChunk,
  type NetworkInput,
  type NetworkState,
  type NetworkStep,
  normalDist,
  oneToOne,
  type Population,
  type PopulationOptions,
  type PopulationState,
  type PortSpec,
  type Projection,
  type ProjectionInfo,
  type ProjectionOptions,
  poissonDrive,
  poissonInput,
  population,
  projection,
  type RunNetworkOptions,
  runNetwork,
  type SpikeList,
  type SpikingNetwork,
  type SpikingNetworkSpec,
  type StateMonitorSpec,
  spikingNetwork,
  streamInput,
  uniformDist,
  type Values,
  type VogelsAbbottOptions,
} from './networks/index.js';
export { isSpikingNetworkJson, spikingNetworkFromJson } from './networks/json.js';
// --- neuron models: Norse's families ---
export { type CobaLIFParameters, type CobaLIFState, cobaLif, cobaLifBioParameters } from './neurons/cobaLif.js';
export { type IAFParameters, iaf } from './neurons/iaf.js';
export {
  IZHIKEVICH_BEHAVIORS,
  type IzhikevichBehavior,
  type IzhikevichBehaviorName,
  type IzhikevichParameters,
  type IzhikevichState,
  izhikevich,
  izhikevichBehaviors,
  izhikevichCustom,
} from './neurons/izhikevich.js';
export { type IzhikevichRecurrentParameters, izhikevichRecurrent } from './neurons/izhikevichRecurrent.js';
export { type LIParameters, li } from './neurons/li.js';
export { type LIBoxParameters, liBox } from './neurons/liBox.js';
export { type LIFParameters, type LIFState, lif } from './neurons/lif.js';
export { type LIFAdExParameters, type LIFAdExState, lifAdEx } from './neurons/lifAdEx.js';
export { type LIFAdExRecurrentParameters, lifAdExRecurrent } from './neurons/lifAdExRecurrent.js';
export { type LIFAdExRefracParameters, lifAdExRefrac } from './neurons/lifAdExRefrac.js';
export { type LIFAdExRefracRecurrentParameters, lifAdExRefracRecurrent } from './neurons/lifAdExRefracRecurrent.js';
export { type LIFBoxParameters, lifBox } from './neurons/lifBox.js';
export { type LIFExParameters, type LIFExState, lifEx } from './neurons/lifEx.js';
export { type LIFExRecurrentParameters, lifExRecurrent } from './neurons/lifExRecurrent.js';
export { INTEGRATIONS, RESET_METHODS } from './neurons/lifOptions.js';
export { type LIFRecurrentParameters, lifRecurrent } from './neurons/lifRecurrent.js';
export { type LIFRefracParameters, lifRefrac } from './neurons/lifRefrac.js';
export { lifRefracRecurrent } from './neurons/lifRefracRecurrent.js';
export { type LSNNParameters, type LSNNState, lsnn } from './neurons/lsnn.js';
export { type LSNNRecurrentParameters, lsnnRecurrent } from './neurons/lsnnRecurrent.js';
// --- neuron models: defining them ---
export {
  defineModel,
  type ModelSpec,
  type NeuronModel,
  type NeuronState,
  type ParamSpec,
  type ParamSpecs,
  type ParamsOf,
  type ParamValue,
  type RecurrentSpec,
  type RunOptions,
  type RunResult,
  type StepOptions,
  SURROGATE_METHODS,
} from './neurons/model.js';
export { type BuildNetworkOptions, buildNetwork, type LayerSpec, type Network, type NetworkSpec } from './neurons/network.js';
export { modelByName, models } from './neurons/registry.js';
export { type Layer, linearLayer, neuron, reluLayer, type SequentialState, sequential, stateless } from './neurons/sequential.js';
// --- backends: which one ran, which are registered ---
export { type BackendChoice, backendNames, type ExecutionInfo, executionOf } from './ops/backends/backendRegistry.js';
// --- encoders: signals (audio, sensors) to spikes ---
export { type Cochlea, type CochleaConfig, type CochleaParameters, type CochleaState, cochlea } from './ops/cochlea.js';
// --- convolution and pooling layers (NIR's Conv1d/Conv2d/SumPool2d/AvgPool2d/Flatten; NIR files themselves: `spikeflow/nir`) ---
export { type ConvPadding, type ConvParameters, conv1d, conv2d, convOutputShape } from './ops/conv.js';
// --- decoders: spikes to values ---
export { type ExpFilterParameters, expFilter, expFilterStep } from './ops/decoders/expFilter.js';
export { type SpikesToTimesParameters, spikesToTimes } from './ops/decoders/spikesToTimes.js';
export { sumDecode } from './ops/decoders/sumOverTime.js';
export { type CochleaEnvelopesOptions, cochleaEnvelopes, monoSamples } from './ops/encoders/cochleaEnvelopes.js';
// --- encoders: values to spikes ---
export {
  type ConstantCurrentLifOptions,
  constantCurrentLifEncode,
  type LIFEncoderParameters,
  type LIFEncoderParametersInput,
  lifEncoderParameters,
} from './ops/encoders/constantCurrentLif.js';
export { type DeltaEncoder, type DeltaOptions, type DeltaState, deltaEncoder, deltaSpikes } from './ops/encoders/deltaSpikes.js';
export { type LifSpikesOptions, lifSpikes } from './ops/encoders/lifSpikes.js';
export {
  type PoissonParameters,
  type PoissonParametersInput,
  poissonEncode,
  poissonEncodeStep,
  signedPoissonEncode,
  signedPoissonEncodeStep,
} from './ops/encoders/poisson.js';
export { euclideanDistance, gaussianRbf, type PopulationEncodeOptions, populationEncode } from './ops/encoders/population.js';
export { spikeLatencyEncode } from './ops/encoders/spikeLatency.js';
export { type SpikeLatencyLifState, spikeLatencyLifEncode } from './ops/encoders/spikeLatencyLif.js';
// --- errors ---
export { SpikeflowError } from './ops/errors.js';
// --- layers and their composition ---
export {
  type LinearInitOptions,
  type LinearOptions,
  type LinearParameters,
  linear,
  linearInit,
  linearParameters,
  relu,
} from './ops/linear.js';
// --- plasticity ---
export {
  STDP_ALGORITHMS,
  type STDPParameters,
  type STDPParametersInput,
  type STDPState,
  stdpInitialState,
  stdpParameters,
  stdpStepLinear,
} from './ops/plasticity/stdpLinear.js';
export {
  type StpRunOptions,
  stpRun,
  stpStep,
  type TsodyksMarkramParameters,
  type TsodyksMarkramParametersInput,
  type TsodyksMarkramState,
  tsodyksMarkramInitialState,
  tsodyksMarkramParameters,
} from './ops/plasticity/tsodyksMarkram.js';
export { avgPool2d, flatten, type Pool2dParameters, pool2dOutputShape, sumPool2d } from './ops/pool.js';
// --- random numbers (seeded, replayable) ---
export { type RandomGenerator, seededGenerator, uniforms } from './ops/random.js';
// --- tensors ---
export {
  at,
  clone,
  concat,
  type DataOf,
  type DType,
  dtypeOf,
  formatTensor,
  fromTypedArray,
  full,
  type NestedArray,
  reshape,
  sameShape,
  showShape,
  sizeOf,
  slice,
  type Tensor,
  type TensorData,
  tensor,
  toNested,
  zeros,
} from './ops/tensor.js';
// --- streams: operators ---
export {
  type BinEventsOptions,
  type BinPolicy,
  binEvents,
  type CameraEvent,
  type ChannelEvent,
  type EventColumns,
  type EventInput,
  type EventSensor,
  type EventStats,
  type OverflowPolicy,
  type SensorEvent,
  type TimeUnit,
} from './streams/binEvents.js';
// --- streams: sources ---
export { type ConstantCurrentOptions, constantCurrent } from './streams/constantCurrent.js';
export { type FromStepsOptions, fromSteps, type StepValue } from './streams/fromSteps.js';
export { type FromTensorOptions, fromTensor } from './streams/fromTensor.js';
export { type LayerOptions, layer } from './streams/layer.js';
export { type NetworkElement, network } from './streams/networkStream.js';
export { type PoissonSpikesOptions, poissonSpikes } from './streams/poissonSpikes.js';
// --- streams: clocks ---
export { type LagPolicy, type RealTimeClockOptions, realTimeClock } from './streams/realTimeClock.js';
export { type ChunkFunction, type Layerlike, type LayerStep, type ScanLayerOptions, scanLayer } from './streams/scanLayer.js';
export { type SpikePairChunk, type StdpOptions, type StdpUpdate, stdp } from './streams/stdp.js';
export type { Clock, Tick } from './streams/tick.js';
export { type VirtualClockOptions, virtualClock } from './streams/virtualClock.js';
