/**
 * The side-by-side section of `npm run bench`'s Markdown report (bench/sideBySide.ts measures it).
 * @module
 */
import { gb, type SideBySide } from './sideBySide.js';

const mega = (x: number): string => (Number.isFinite(x) ? (x >= 1e9 ? `${(x / 1e9).toFixed(2)} G` : `${(x / 1e6).toFixed(0)} M`) : '–');
const times = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '–');

/** The side-by-side section of the Markdown report: one table, allocators as column groups. */
export const sideBySideMarkdown = (s: SideBySide): string[] => {
  const out: string[] = ['## LIF `lif.run` beside Norse, in one run', ''];
  out.push(`${s.norse}. Protocol: ${s.protocol}.`, '');
  out.push(
    'Figures in neuron-steps/s. spikeflow _reuse_: `lif.run(p, dt, { outputs: "reuse" })` (or a caller-provided `out`): ' +
      'one output array overwritten call after call; _fresh_: the default, a new `[T, 1, N]` output per call that the ' +
      'caller owns (from 1 MiB on its memory comes from the output pool, which recycles outputs the caller dropped once ' +
      'the garbage collector has run: the server collects and lets the event loop turn before each timed call). ' +
      'Norse _LIF_: `norse.torch.LIF` over the sequence, which also returns a new `[T, 1, N]` output per call — the ' +
      'like-for-like column for spikeflow fresh (_× Norse LIF, fresh_); Norse _LIFCell loop_: `LIFCell` stepped in a ' +
      "Python loop that keeps no `[T, N]` output (only the last state; PyTorch's caching allocator reuses its " +
      'per-step tensors), comparable to spikeflow reuse. _Norse best_ is the faster of the two. ' +
      '_default_: glibc as users run it; _tuned_: both processes with ' +
      '`MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=1000000000000` (freed memory is kept and reused).',
    '',
  );
  const sizes = [...new Set(s.rows.map((r) => r.N))];
  const allocators = [...new Set(s.rows.map((r) => r.allocator))];
  const head = allocators.flatMap((a) => [
    `spikeflow reuse / fresh (${a})`,
    `Norse LIF / LIFCell loop (${a})`,
    `× Norse best, reuse / fresh (${a})`,
    `× Norse LIF, fresh (${a})`,
  ]);
  out.push(`| N | ${head.join(' | ')} | load before → after |`);
  out.push(`| ---: | ${head.map(() => '---:').join(' | ')} | --- |`);
  for (const N of sizes) {
    const cells: string[] = [];
    const loads: string[] = [];
    for (const a of allocators) {
      const r = s.rows.find((x) => x.N === N && x.allocator === a);
      if (r === undefined) {
        cells.push('–', '–', '–', '–');
        continue;
      }
      cells.push(
        `${mega(r.spikeflowReuse)} / ${mega(r.spikeflowFresh)}`,
        `${mega(r.norseSequence)} / ${mega(r.norseCell)}`,
        `**${times(r.ratioReuse)}** / ${times(r.ratioFresh)}`,
        times(r.ratioFreshSequence),
      );
      loads.push(`${r.loadBefore[0]} → ${r.loadAfter[0]}`);
    }
    out.push(`| ${N.toExponential(0).replace('+', '')} | ${cells.join(' | ')} | ${loads.join('; ')} |`);
  }
  const ran = s.rows[0]?.ran;
  if (ran !== undefined) out.push('', `spikeflow ran: ${ran} (at the largest N: ${s.rows.at(-1)?.ran}).`);
  out.push(...memoryMarkdown(s));
  out.push('');
  return out;
};

/** Peak resident memory per process and configuration, and why the run stopped (if it did). */
const memoryMarkdown = (s: SideBySide): string[] => {
  const out: string[] = [];
  const rows = s.rows.filter((r) => r.peakRss !== undefined);
  if (rows.length > 0) {
    out.push(
      '',
      'Peak resident memory (Linux `VmHWM`, reset before each request) of each process while it answered a configuration, ' +
        'largest over the rounds; _base_: the process with nothing big allocated. One `[T, 1, N]` float32 array is ' +
        '4·T·N bytes. Memory mode: _keep_ (both processes keep their input between runs), _free_ (each drops input and ' +
        'outputs after its turn), _respawn_ (restarted after each turn).',
      '',
      '| N | allocator | memory | one [T, 1, N] array | spikeflow reuse / fresh (base) | Norse LIF / LIFCell loop (base) |',
      '| ---: | --- | --- | ---: | ---: | ---: |',
    );
    for (const r of rows) {
      const p = r.peakRss;
      out.push(
        `| ${r.N.toExponential(0).replace('+', '')} | ${r.allocator} | ${r.memoryMode} | ${gb(4 * r.T * r.N)} | ` +
          `${gb(p.reuse)} / ${gb(p.fresh)} (${gb(r.baseRss.spikeflow)}) | ${gb(p.sequence)} / ${gb(p.cell)} (${gb(r.baseRss.norse)}) |`,
      );
    }
  }
  if (s.leastAvailable !== undefined && Number.isFinite(s.leastAvailable)) {
    out.push('', `Least memory available during the run: ${gb(s.leastAvailable)}.`);
  }
  if (s.stopped !== undefined) out.push('', `**Stopped**: ${s.stopped}.`);
  return out;
};
