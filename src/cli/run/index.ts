/**
 * `spikeflow run`, the main job: an input (event-camera recording, WAV, CSV time series, JSON
 * currents, or the built-in demo) through a network, a summary on stdout, and `report.html` plus
 * `summary.json` in the output folder.
 *
 * Defaults per input kind (the "default network" is one layer of `--model` neurons per input
 * feature, fed the input times `--gain`):
 * - no input: the seed tutorial's LIF neurons under constant currents 0, 0.1, 0.3 (voltage traces),
 *   and a synthetic 64-channel sensor signal (sinusoids, 2 s) → LIF(64) → Linear(64→10) → LI(10);
 * - events (`.bin`, `.raw`, `.dat`, `.aedat`, `.aedat4`, `.jsonl`): events binned into steps of
 *   `dt` per pixel and polarity `[T, 1, 2, H, W]`, one neuron per pixel and polarity;
 * - audio (`.wav`): a 32-channel cochlea front end, one envelope step per `dt`, gain 200;
 * - CSV (`.csv`): one row per step, a time column first, the other columns as currents;
 * - JSON (`.json`): a `T×N` or `T×B×N` array of currents, as `spikeflow simulate` takes.
 * @module
 */
export { formatRunSummary, runJob } from './job.js';
export type { LayerSummary, RunJobOptions, RunSummary } from './runTypes.js';
