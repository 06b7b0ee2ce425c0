/**
 * The models by Norse class name, for tools that pick a model by name (`spikeflow simulate`).
 * @module
 */
import { SpikeflowError } from '../ops/errors.js';
import { cobaLif } from './cobaLif.js';
import { iaf } from './iaf.js';
import { izhikevich, izhikevichRecurrent } from './izhikevich.js';
import { li } from './li.js';
import { liBox } from './liBox.js';
import { lif, lifRecurrent } from './lif.js';
import { lifAdEx, lifAdExRecurrent } from './lifAdEx.js';
import { lifAdExRefrac, lifAdExRefracRecurrent } from './lifAdExRefrac.js';
import { lifBox } from './lifBox.js';
import { lifEx, lifExRecurrent } from './lifEx.js';
import { lifRefrac, lifRefracRecurrent } from './lifRefrac.js';
import { lsnn, lsnnRecurrent } from './lsnn.js';
import type { NeuronModel } from './model.js';

/** Every neuron model, keyed by Norse's class name. */
export const models: Readonly<Record<string, NeuronModel>> = Object.freeze({
  LIF: lif,
  LIFRecurrent: lifRecurrent,
  LI: li,
  LIBox: liBox,
  LIFBox: lifBox,
  IAF: iaf,
  LIFRefrac: lifRefrac,
  LIFRefracRecurrent: lifRefracRecurrent,
  LIFEx: lifEx,
  LIFExRecurrent: lifExRecurrent,
  LIFAdEx: lifAdEx,
  LIFAdExRecurrent: lifAdExRecurrent,
  LIFAdExRefrac: lifAdExRefrac,
  LIFAdExRefracRecurrent: lifAdExRefracRecurrent,
  LSNN: lsnn,
  LSNNRecurrent: lsnnRecurrent,
  Izhikevich: izhikevich,
  IzhikevichRecurrent: izhikevichRecurrent,
  CobaLIF: cobaLif,
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
