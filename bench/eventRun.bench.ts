/**
 * `spikeflow run` on the event recordings of ../shared/data/events (largest first), timed inside
 * one process: one untimed job (modules, kernels, worker threads), then `--runs` jobs (default 5).
 * Per recording it prints the median of the run's wall time (decoding, binning, the network and
 * the report's per-chunk aggregation: what `spikeflow run` reports as wall time and
 * neuron-steps/s), of the report drawing, and of the process's CPU time per job (every thread),
 * with the load average before and after. Reports go to a temporary folder.
 *
 * `npm run bench:event-run [-- --runs 5 --files evt2_sample.raw,sample.aedat4 --root <checkout>]`;
 * `--root` times another checkout's `spikeflow run` instead (e.g. main's, for a before/after pair
 * run one after the other on the same machine).
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { runJob as RunJob } from '../src/cli/run/job.js';

const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const flag = (name: string): string | undefined => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const runs = Number(flag('--runs') ?? 5);
const files = (flag('--files') ?? 'evt2_sample.raw,sample.aedat4,evt3_sample.raw').split(',');
const data = resolve(root, '../shared/data/events');
const checkout = resolve(flag('--root') ?? root);
const { runJob } = (await import(join(checkout, 'src/cli/run/job.ts'))) as { runJob: typeof RunJob };
const { terminateThreads } = (await import(join(checkout, 'src/ops/backends/threads.ts'))) as { terminateThreads: () => Promise<void> };
const out = mkdtempSync(join(tmpdir(), 'spikeflow-event-run-'));
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? (s[(s.length - 1) >> 1] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

try {
  for (const file of files) {
    const options = { input: join(data, file), out: join(out, file), force: true, progress: false };
    await runJob(options);
    const wall: number[] = [];
    const report: number[] = [];
    const cpu: number[] = [];
    let work = 0;
    const before = load();
    for (let k = 0; k < runs; k++) {
      const c = process.cpuUsage();
      const s = await runJob(options);
      const u = process.cpuUsage(c);
      wall.push(s.wallSeconds);
      report.push(s.reportSeconds);
      cpu.push((u.user + u.system) / 1e6);
      work = s.neuronStepsPerSecond * s.wallSeconds; // neuron-steps of one job
    }
    const w = median(wall);
    console.log(
      `${checkout === root ? '' : `${checkout}: `}${file}: run ${w.toFixed(2)} s (${(work / w / 1e6).toFixed(1)} M neuron-steps/s, ${(work / 1e6).toFixed(1)} M neuron-steps), ` +
        `report drawn ${median(report).toFixed(2)} s, CPU per job ${median(cpu).toFixed(2)} s; medians of ${runs}; load ${before} → ${load()}`,
    );
  }
} finally {
  rmSync(out, { recursive: true, force: true });
  await terminateThreads();
}
