/**
 * Training: surrogate gradients, backpropagation through time, losses, optimisers, data and the
 * training loop as an observable. Browser-safe.
 * @module
 */
export {
  ENCODINGS,
  type EncodeOptions,
  type Encoding,
  encodeBatch,
  seededPermutation,
  shiftImages,
  type Uniform,
  uniformSource,
} from './data.js';
export { type TrainableLinearOptions, trainableLinear } from './linear.js';
export {
  argmaxRows,
  type ClassificationLoss,
  crossEntropy,
  type LossResult,
  maxOverTimeCrossEntropy,
  mse,
  rateRegularization,
  spikeCountLoss,
} from './losses.js';
export { type Digits, type MnistOptions, type MnistTask, mnistTask } from './mnistTask.js';
export { TRAINABLE_MODELS, type TrainableOptions, trainable } from './neurons.js';
export {
  type AdamOptions,
  adam,
  constantLr,
  cosineLr,
  exponentialLr,
  type LearningRateSchedule,
  type Optimizer,
  type SgdOptions,
  sgd,
  stepLr,
} from './optimizers.js';
export {
  type Dataset,
  evaluate,
  forwardBackward,
  type Loss,
  loadParams,
  type MemoryOptions,
  type ParamsJson,
  paramTensor,
  type StepResult,
  saveParams,
  type TrainOptions,
  type TrainProgress,
  train,
} from './train.js';
export type { BackwardResult, ForwardOptions, ForwardResult, LayerState, StateGrad, TrainableLayer } from './trainableLayer.js';
export { trainableSequential } from './trainableSequential.js';
