/**
 * COBA (Brette et al. 2007, benchmark 1): 4000 LIF neurons with conductance synapses
 * (E_e 0 mV, E_i −80 mV, τ_e 5 ms, τ_i 10 ms), p = 0.02, 1 s at dt = 0.1 ms.
 * Run: `npx tsx examples/networks/coba.ts [out-folder]`.
 */
import { cobaNetwork } from '../../src/index.js';
import { outDir, runExample } from './common.js';

await runExample('coba', cobaNetwork(), 1, outDir());
