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
  tensor,
  type Tensor,
  type TensorData,
  toNested,
  zeros,
} from './ops/tensor.js';

// --- errors ---
export { SpikeflowError } from './ops/errors.js';

// --- random numbers (seeded, replayable) ---
export { type RandomGenerator, seededGenerator, uniforms } from './ops/random.js';

// --- neuron models: defining them ---
export {
  defineModel,
  type ModelSpec,
  type NeuronModel,
  type NeuronState,
  type ParamsInput,
  type ParamsOf,
  type ParamSpec,
  type ParamSpecs,
  type ParamValue,
  type RecurrentSpec,
  type RunOptions,
  type RunResult,
  type StepOptions,
  SURROGATE_METHODS,
} from './neurons/model.js';
export { modelByName, models } from './neurons/registry.js';

// --- the per-neuron update of `defineModel`: parsed once, transformed (differentiated), printed ---
export { type DerivativeOptions, type DerivativeTarget, derivative } from './ops/update/derivative.js';
export type { Expr, NeuronUpdate, Stmt, UpdateIR } from './ops/update/ir.js';
export { irOf, UpdateSyntaxError } from './ops/update/parse.js';
export { printUpdate } from './ops/update/print.js';
export { type StraightLine, straightLine } from './ops/update/straight.js';

// --- neuron models: Norse's families, each with its recurrent variant ---
export { cobaLif, cobaLifBioParameters, type CobaLIFParameters, type CobaLIFState } from './neurons/cobaLif.js';
export { iaf, type IAFParameters } from './neurons/iaf.js';
export {
  izhikevich,
  IZHIKEVICH_BEHAVIORS,
  type IzhikevichBehavior,
  type IzhikevichBehaviorName,
  izhikevichBehaviors,
  izhikevichCustom,
  type IzhikevichParameters,
  IZHIKEVICH_UPDATE_ORDERS,
  izhikevichRecurrent,
  type IzhikevichRecurrentParameters,
  type IzhikevichState,
} from './neurons/izhikevich.js';
export { li, type LIParameters } from './neurons/li.js';
export { liBox, type LIBoxParameters } from './neurons/liBox.js';
export { lif, type LIFParameters, lifRecurrent, type LIFRecurrentParameters, type LIFState } from './neurons/lif.js';
export {
  lifAdEx,
  type LIFAdExParameters,
  lifAdExRecurrent,
  type LIFAdExRecurrentParameters,
  type LIFAdExState,
} from './neurons/lifAdEx.js';
export {
  lifAdExRefrac,
  type LIFAdExRefracParameters,
  lifAdExRefracRecurrent,
  type LIFAdExRefracRecurrentParameters,
} from './neurons/lifAdExRefrac.js';
export { lifBox, type LIFBoxParameters } from './neurons/lifBox.js';
export { lifEx, type LIFExParameters, lifExRecurrent, type LIFExRecurrentParameters, type LIFExState } from './neurons/lifEx.js';
export {
  IZHIKEVICH_NORSE_ORDER_HOLDS,
  type IzhikevichProtocol,
  izhikevichFigure1,
  izhikevichFigure1Input,
} from './neurons/izhikevichFigure1.js';
export { INPUT_CONVENTIONS, INTEGRATIONS, RESET_METHODS } from './neurons/lifOptions.js';
export { lifRefrac, type LIFRefracParameters, lifRefracRecurrent } from './neurons/lifRefrac.js';
export { lsnn, type LSNNParameters, lsnnRecurrent, type LSNNRecurrentParameters, type LSNNState } from './neurons/lsnn.js';

// --- layers and their composition ---
export {
  linear,
  linearInit,
  type LinearInitOptions,
  type LinearOptions,
  linearParameters,
  type LinearParameters,
  relu,
} from './ops/linear.js';
export {
  type Layer,
  type LayerCallOptions,
  linearLayer,
  neuron,
  reluLayer,
  sequential,
  type SequentialState,
  stateless,
} from './neurons/sequential.js';
export { buildNetwork, type BuildNetworkOptions, type LayerSpec, type Network, type NetworkSpec } from './neurons/sequentialJson.js';

// --- convolution and pooling layers (NIR's Conv1d/Conv2d/SumPool2d/AvgPool2d/Flatten; NIR files: `spikeflow/nir`) ---
export { type ConvPadding, type ConvParameters, conv1d, conv2d, convLayer, convOutputShape } from './ops/conv.js';
export { avgPool2d, flatten, flattenLayer, type Pool2dParameters, pool2dOutputShape, poolLayer, sumPool2d } from './ops/pool.js';

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
  type PortDecay,
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
export { isSpikingNetworkJson, type JsonNetwork, spikingNetworkFromJson } from './networks/json.js';
export {
  type BrunelRegime,
  binnedRate,
  classifyBrunel,
  isiCv,
  meanRate,
  mergeSpikes,
  rateSpectrum,
  type Spectrum,
  spikeTensor,
  synchrony,
} from './networks/analysis.js';
export { pointLif } from './networks/pointLif.js';

// --- encoders: values to spikes ---
export {
  constantCurrentLifEncode,
  type ConstantCurrentLifOptions,
  type LIFEncoderParameters,
  lifEncoderParameters,
  type LIFEncoderParametersInput,
} from './ops/encoders/constantCurrentLif.js';
export {
  poissonEncode,
  poissonEncodeStep,
  type PoissonParameters,
  type PoissonParametersInput,
  signedPoissonEncode,
  signedPoissonEncodeStep,
} from './ops/encoders/poisson.js';
export { euclideanDistance, gaussianRbf, populationEncode, type PopulationEncodeOptions } from './ops/encoders/population.js';
export { spikeLatencyEncode } from './ops/encoders/spikeLatency.js';
export { spikeLatencyLifEncode, type SpikeLatencyLifState } from './ops/encoders/spikeLatencyLif.js';

// --- encoders: signals (audio, sensors) to spikes ---
export type { AudioBlock } from './ops/audio.js';
export { cochlea, type Cochlea, type CochleaConfig, type CochleaParameters, type CochleaState } from './ops/cochlea.js';
export { cochleaEnvelopes, type CochleaEnvelopesOptions, monoSamples } from './ops/encoders/cochleaEnvelopes.js';
export { deltaEncoder, type DeltaEncoder, type DeltaOptions, deltaSpikes, type DeltaState } from './ops/encoders/deltaSpikes.js';
export { lifSpikes, type LifSpikesOptions } from './ops/encoders/lifSpikes.js';

// --- decoders: spikes to values ---
export { expFilter, type ExpFilterParameters, expFilterStep } from './ops/decoders/expFilter.js';
export { spikesToTimes, type SpikesToTimesParameters } from './ops/decoders/spikesToTimes.js';
export { sumDecode } from './ops/decoders/sumOverTime.js';

// --- plasticity ---
export {
  STDP_ALGORITHMS,
  stdpInitialState,
  stdpParameters,
  type STDPParameters,
  type STDPParametersInput,
  type STDPState,
  stdpStepLinear,
} from './ops/plasticity/stdpLinear.js';
export {
  stpRun,
  type StpRunOptions,
  stpStep,
  tsodyksMarkramInitialState,
  type TsodyksMarkramParameters,
  tsodyksMarkramParameters,
  type TsodyksMarkramParametersInput,
  type TsodyksMarkramState,
} from './ops/plasticity/tsodyksMarkram.js';

// --- streams: sources ---
export { constantCurrent, type ConstantCurrentOptions } from './streams/constantCurrent.js';
export { fromSteps, type FromStepsOptions, type StepValue } from './streams/fromSteps.js';
export { fromTensor, type FromTensorOptions } from './streams/fromTensor.js';
export { poissonSpikes, type PoissonSpikesOptions } from './streams/poissonSpikes.js';

// --- streams: operators ---
export {
  binEvents,
  type BinEventsOptions,
  type BinPolicy,
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
export { layer, type LayerOptions } from './streams/layer.js';
export { network, type NetworkElement } from './streams/networkStream.js';
export { type ChunkFunction, type Layerlike, type LayerStep, scanLayer, type ScanLayerOptions } from './streams/scanLayer.js';
export { type SpikePairChunk, stdp, type StdpOptions, type StdpUpdate } from './streams/stdp.js';

// --- streams: clocks ---
export { type LagPolicy, realTimeClock, type RealTimeClockOptions } from './streams/realTimeClock.js';
export type { Clock, Tick } from './streams/tick.js';
export { virtualClock, type VirtualClockOptions } from './streams/virtualClock.js';

// --- backends: which one ran, which are registered ---
export { type BackendChoice, backendNames, type ExecutionInfo, executionOf } from './ops/backends/backendRegistry.js';

// --- training: surrogate gradients, BPTT, losses, optimisers, training as a stream ---
export { SURROGATES, type SurrogateGradient, type SurrogateMethod, surrogateGradient } from './ops/surrogates.js';
export {
  type AdamOptions,
  adam,
  argmaxRows,
  type BackwardResult,
  type ClassificationLoss,
  constantLr,
  cosineLr,
  crossEntropy,
  type Dataset,
  type Digits,
  ENCODINGS,
  type EncodeOptions,
  type Encoding,
  encodeBatch,
  evaluate,
  exponentialLr,
  type ForwardOptions,
  type ForwardResult,
  forwardBackward,
  type LayerState,
  type LearningRateSchedule,
  type Loss,
  type LossResult,
  loadParams,
  type MemoryOptions,
  type MnistOptions,
  type MnistTask,
  maxOverTimeCrossEntropy,
  mnistTask,
  mse,
  type Optimizer,
  type ParamsJson,
  paramTensor,
  rateRegularization,
  type SgdOptions,
  type StateGrad,
  type StepResult,
  saveParams,
  seededPermutation,
  sgd,
  spikeCountLoss,
  stepLr,
  TRAINABLE_MODELS,
  type TrainableLayer,
  type TrainableLinearOptions,
  type TrainableOptions,
  type TrainOptions,
  type TrainProgress,
  train,
  trainable,
  trainableLinear,
  trainableSequential,
  type Uniform,
  uniformSource,
} from './training/index.js';

// --- perf: shared memory and output reuse (the `threads` backend reads shared tensors in place) ---
export { SHARED_FROM_BYTES, sharedTensor } from './ops/tensor.js';
export type { OutputPolicy, RunCallOptions } from './neurons/runOutput.js';
export {
  configureOutputPool,
  type OutputPoolOptions,
  type OutputPoolStats,
  outputPoolStats,
  releaseOutputPool,
} from './ops/outputPool.js';

// --- mnist: data augmentation of the MNIST task ---
export { shiftImages } from './training/index.js';

// --- kernel: the shared heap of cross-origin isolated browser realms (threads run tensors there in place) ---
export { type SharedHeapStats, sharedHeapStats } from './ops/sharedHeap.js';
