/**
 * CUBA (Brette et al. 2007; Brian2's examples/CUBA.py): 4000 LIF neurons, 80 % excitatory,
 * current synapses τ_e 5 ms, τ_i 10 ms, p = 0.02, 1 s at dt = 0.1 ms, self-sustained.
 * Run: `npx tsx examples/networks/cuba.ts [out-folder]`.
 */
import { cubaNetwork } from '../../src/index.js';
import { outDir, runExample } from './common.js';

await runExample('cuba', cubaNetwork(), 1, outDir());
