/**
 * The models by Norse class name, for tools that pick a model by name (`spikeflow simulate`).
 * @module
 */
import { SpikeflowError } from '../ops/errors.js';
import { cobaLif } from './cobaLif.js';
import { iaf } from './iaf.js';
import { izhikevich } from './izhikevich.js';
import { izhikevichRecurrent } from './izhikevichRecurrent.js';
import { li } from './li.js';
import { liBox } from './liBox.js';
import { lif } from './lif.js';
import { lifAdEx } from './lifAdEx.js';
import { lifAdExRecurrent } from './lifAdExRecurrent.js';
import { lifAdExRefrac } from './lifAdExRefrac.js';
import { lifAdExRefracRecurrent } from './lifAdExRefracRecurrent.js';
import { lifBox } from './lifBox.js';
import { lifEx } from './lifEx.js';
import { lifExRecurrent } from './lifExRecurrent.js';
import { lifRecurrent } from './lifRecurrent.js';
import { lifRefrac } from './lifRefrac.js';
import { lifRefracRecurrent } from './lifRefracRecurrent.js';
import { lsnn } from './lsnn.js';
import { lsnnRecurrent } from './lsnnRecurrent.js';
import type { NeuronModel } from './model.js';

/** Every neuron model, keyed by Norse's class name. */
export const models: Readonly<Record<string, NeuronModel>> = Object.freeze({
  LIF: lif as unknown as NeuronModel,
  LIFRecurrent: lifRecurrent as unknown as NeuronModel,
  LI: li as unknown as NeuronModel,
  LIBox: liBox as unknown as NeuronModel,
  LIFBox: lifBox as unknown as NeuronModel,
  IAF: iaf as unknown as NeuronModel,
  LIFRefrac: lifRefrac as unknown as NeuronModel,
  LIFRefracRecurrent: lifRefracRecurrent as unknown as NeuronModel,
  LIFEx: lifEx as unknown as NeuronModel,
  LIFExRecurrent: lifExRecurrent as unknown as NeuronModel,
  LIFAdEx: lifAdEx as unknown as NeuronModel,
  LIFAdExRecurrent: lifAdExRecurrent as unknown as NeuronModel,
  LIFAdExRefrac: lifAdExRefrac as unknown as NeuronModel,
  LIFAdExRefracRecurrent: lifAdExRefracRecurrent as unknown as NeuronModel,
  LSNN: lsnn as unknown as NeuronModel,
  LSNNRecurrent: lsnnRecurrent as unknown as NeuronModel,
  Izhikevich: izhikevich as unknown as NeuronModel,
  IzhikevichRecurrent: izhikevichRecurrent as unknown as NeuronModel,
  CobaLIF: cobaLif as unknown as NeuronModel,
});

/**
 * Looks a model up by Norse's class name, case-insensitively (`lif`, `LIFRecurrent`, `lifbox`).
 * @throws SpikeflowError naming the known models when `name` is unknown
 */
export const modelByName = (name: string): NeuronModel => {
  const key = Object.keys(models).find((k) => k.toLowerCase() === String(name).toLowerCase());
  if (key === undefined) {
    throw new SpikeflowError('model', 'name', `unknown model ${JSON.stringify(name)}; expected one of ${Object.keys(models).join(', ')}`);
  }
  return models[key] as NeuronModel;
};
