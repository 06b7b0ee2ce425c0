/**
 * Brunel (2000): the sparse E/I network with delays (1.5 ms) and external Poisson drive in its four
 * regimes (Brunel's Fig. 8): SR (g 3, ν_ext/ν_thr 2), AI (5, 2), SI fast (6, 4), SI slow (4.5, 0.9).
 * Prints each run's rate, CV, synchrony χ and spectral peak and the regime they place it in.
 * Run: `npx tsx examples/networks/brunel.ts [out-folder] [--small]` (`--small`: N_E 1000, C_E 250, J 0.4 mV).
 */
import { brunelNetwork, classifyBrunel } from '../../src/index.js';
import { outDir, runExample } from './common.js';

const small = process.argv.includes('--small');
// ε = 0.1 as Brunel's (C_E = N_E/10) and J·C_E = 100 mV, the builder's defaults.
const size = small ? { nE: 1000, cE: 250, j: 0.4 } : { nE: 4000 };
for (const [name, g, nu] of [
  ['SR', 3, 2],
  ['AI', 5, 2],
  ['SI-fast', 6, 4],
  ['SI-slow', 4.5, 0.9],
] as const) {
  const r = await runExample(`brunel-${name}`, brunelNetwork({ ...size, g, nuExtOverNuThr: nu }), 0.6, outDir(), 0.1);
  process.stdout.write(`  expected ${name}, classified ${classifyBrunel(r).regime}\n`);
}
