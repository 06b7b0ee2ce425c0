/**
 * Registers the one built-in backend, `js` (priority 0, always usable, the reference). The core
 * imports this module; every other backend registers itself when its entry is imported
 * (`spikeflow/threads`, `spikeflow/gpu`; `spikeflow/node` imports the threads entry).
 * @module
 */

import { registerBackend, registerKernel } from './backendRegistry.js';
import { jsBackend, jsLinear, jsNeuronRun, jsUpdateRun } from './js.js';
import { jsPopulationRun } from './population.js';

registerBackend(jsBackend);
registerKernel(jsNeuronRun);
registerKernel(jsLinear);
registerKernel(jsUpdateRun);

registerKernel(jsPopulationRun);
