/**
 * Shared by the network examples: runs a network as an RxJS stream of chunks (`runNetwork`),
 * feeds a raster and a population-rate sink as it runs, prints rate, CV of ISIs, synchrony and
 * the population rate's spectral peak, and writes the figures (SVG) and an HTML report.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lastValueFrom, map, range, tap, toArray } from 'rxjs';
import {
  binnedRate,
  isiCv,
  meanRate,
  mergeSpikes,
  type NetworkChunk,
  rateSpectrum,
  runNetwork,
  type SpikingNetwork,
  synchrony,
} from '../../src/index.js';
import { fromTypedArray, type Tensor } from '../../src/ops/tensor.js';
// The Node entry of the plots: it registers linkedom, so the figures are drawn without a browser.
import { raster, rate, report } from '../../src/viz/node.js';
// The threads backend (WebAssembly SIMD population steps): what networks' `auto` takes once registered.
import '../../src/threads.js';

/** Spikes of the first `shown` neurons of E, then of I, as `[T, 1, shown·2]` for the raster. */
const shownSpikes = (c: NetworkChunk, shown: number): Tensor => {
  const d = new Float32Array(c.steps * 2 * shown);
  ['E', 'I'].forEach((pop, k) => {
    const s = c.spikes[pop];
    if (s === undefined) return;
    for (let q = 0; q < s.i.length; q++) {
      const i = s.i[q] as number;
      if (i < shown) d[((s.step[q] as number) - c.start) * 2 * shown + k * shown + i] = 1;
    }
  });
  return fromTypedArray(d, [c.steps, 1, 2 * shown]);
};

export interface ExampleResult {
  readonly rate: number;
  readonly cv: number;
  readonly synchrony: number;
  readonly peak: number;
  readonly seconds: number;
}

/**
 * Runs `net` for `seconds` (chunks of 100 steps, the first `skip` seconds discarded from the
 * statistics), prints the figures and writes `<out>/<name>-raster.svg`, `<name>-rate.svg`, `<name>.html`.
 */
export const runExample = async (name: string, net: SpikingNetwork, seconds: number, out: string, skip = 0): Promise<ExampleResult> => {
  const dt = net.dt;
  const chunk = 100;
  const chunks = Math.round(seconds / dt / chunk);
  const nE = net.populations.find((p) => p.name === 'E')?.n ?? 0;
  const shown = 200;
  const windowSteps = Math.min(chunks * chunk, Math.round(0.2 / dt));
  const r = raster<NetworkChunk>()
    .value((c) => shownSpikes(c, shown))
    .window(windowSteps)
    .dt(dt)
    .title(`${name}: spikes of ${shown} E (bottom) and ${shown} I neurons, last ${(windowSteps * dt * 1000).toFixed(0)} ms`);
  const pr = rate<NetworkChunk>()
    .value((c) => shownSpikes(c, shown))
    .bin(Math.round(0.001 / dt))
    .window(windowSteps)
    .dt(dt)
    .title(`${name}: population rate (1 ms bins)`);
  const started = performance.now();
  const all = await lastValueFrom(
    range(0, chunks).pipe(
      // each element: a chunk of `chunk` steps (no stream inputs: the drives are the network's own)
      map(() => chunk),
      runNetwork(net),
      tap((s) => {
        r.push(s.chunk);
        pr.push(s.chunk);
      }),
      toArray(),
    ),
  );
  const wall = (performance.now() - started) / 1000;
  const kept = all.map((s) => s.chunk).filter((c) => c.start * dt >= skip - 1e-12);
  const spikes = mergeSpikes(kept, 'E');
  const start = kept[0]?.start ?? 0;
  const steps = kept.reduce((a, c) => a + c.steps, 0);
  const result = {
    rate: meanRate(spikes, nE, steps * dt),
    cv: isiCv(spikes, nE),
    synchrony: synchrony(spikes, nE, Math.round(0.002 / dt), start, steps, Math.min(nE, 1000)),
    peak: rateSpectrum(binnedRate(spikes, nE, dt, 5, start, steps), 5 * dt).peak,
    seconds: wall,
  };
  process.stdout.write(
    `${name}: ${(steps * dt).toFixed(2)} s simulated in ${wall.toFixed(2)} s — E rate ${result.rate.toFixed(2)} Hz, CV ISI ${result.cv.toFixed(2)}, synchrony χ (2 ms bins) ${result.synchrony.toFixed(3)}, spectral peak ${result.peak.toFixed(0)} Hz\n`,
  );
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, `${name}-raster.svg`), r.toSVG());
  writeFileSync(join(out, `${name}-rate.svg`), pr.toSVG());
  writeFileSync(
    join(out, `${name}.html`),
    report()
      .title(`spikeflow — ${name}`)
      .description(
        `E rate ${result.rate.toFixed(2)} Hz, CV of ISIs ${result.cv.toFixed(2)}, synchrony χ (2 ms bins) ${result.synchrony.toFixed(3)}, spectral peak ${result.peak.toFixed(0)} Hz`,
      )
      .add(r)
      .add(pr)
      .toHTML(),
  );
  return result;
};

/** The output folder: the first command-line argument, default `spikeflow-out/networks`. */
export const outDir = (): string => process.argv[2] ?? 'spikeflow-out/networks';
