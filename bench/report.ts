/**
 * Benchmark reporting: the machine, Norse's reference figures (measured side by side, or the
 * anchors in ../shared/anchors.md), and the JSON and Markdown files in bench/results/.
 * @module
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, hostname, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import type { SideBySide } from './sideBySide.js';
import { sideBySideMarkdown } from './sideBySideReport.js';

/** One measured configuration. */
export interface Row {
  /** Case id, e.g. `lif`. */
  readonly case: string;
  /** What runs, e.g. `lif.run` or `kernel`. */
  readonly level: string;
  readonly N: number;
  readonly T: number;
  /** Backend requested (`js`, `threads`). */
  readonly backend: string;
  /** What ran, from `executionOf` (backend + note) or the engine's plan. */
  readonly ran: string;
  /** Median wall time of one run, ms. */
  readonly medianMs: number;
  /** Median absolute deviation of the runs, ms. */
  readonly madMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  readonly runs: number;
  /** Neuron-steps per second at the median (`T·N / median`), or undefined when not a neuron run. */
  readonly neuronStepsPerSecond?: number | undefined;
  /** Items per second for non-neuron cases (e.g. spikes drawn by an encoder). */
  readonly perSecond?: number | undefined;
  /** Free text (input kind, caveats). */
  readonly note?: string | undefined;
}

/** Norse's LIF throughput at one N (neuron-steps/s). */
export interface NorseFigure {
  readonly N: number;
  readonly lifSequence: number;
  readonly cellLoop: number;
  readonly best: number;
}

/** Where Norse's figures came from. */
export interface NorseReference {
  /** `side-by-side` (measured in this session) or `anchors` (../shared/anchors.md) or `built-in anchors`. */
  readonly source: string;
  readonly detail: string;
  readonly figures: readonly NorseFigure[];
}

/** The machine a benchmark ran on. */
export const machine = () => ({
  host: hostname(),
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: availableParallelism(),
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  v8: process.versions.v8,
  platform: `${process.platform} ${process.arch}`,
  loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
});

/** The anchors of ../shared/anchors.md, as published there (Norse 065a3b45, PyTorch 1.13.1, 2 threads). */
const BUILT_IN_ANCHORS: readonly NorseFigure[] = [
  { N: 1e3, lifSequence: 30e6, cellLoop: 19e6, best: 30e6 },
  { N: 1e4, lifSequence: 174e6, cellLoop: 104e6, best: 174e6 },
  { N: 1e5, lifSequence: 103e6, cellLoop: 238e6, best: 238e6 },
  { N: 1e6, lifSequence: 42e6, cellLoop: 379e6, best: 379e6 },
];

const parseMillions = (cell: string): number => Number(cell.replace(/[^\d.]/g, '')) * 1e6;

/**
 * Reads the Norse table of anchors.md (`| N neurons | LIF over the sequence | LIFCell loop | best |`).
 * Falls back to the figures it published when the file is absent or its table cannot be read.
 */
export const anchorsReference = (root: string): NorseReference => {
  const path = join(root, '..', 'shared', 'anchors.md');
  if (existsSync(path)) {
    const text = readFileSync(path, 'utf8');
    const figures: NorseFigure[] = [];
    for (const line of text.split('\n')) {
      const cells = line
        .split('|')
        .map((c) => c.trim())
        .filter((c) => c !== '');
      if (cells.length === 4 && /^[\d\s]+$/.test(cells[0] as string) && /M$/.test(cells[1] as string)) {
        figures.push({
          N: Number((cells[0] as string).replace(/\s/g, '')),
          lifSequence: parseMillions(cells[1] as string),
          cellLoop: parseMillions(cells[2] as string),
          best: parseMillions(cells[3] as string),
        });
      }
    }
    if (figures.length > 0) {
      return {
        source: 'anchors',
        detail: `${path}: Norse 065a3b45, PyTorch 1.13.1, 2 threads, float32, batch 1, T = 1000, median of 3 (not measured in this session)`,
        figures,
      };
    }
  }
  return {
    source: 'built-in anchors',
    detail: 'figures copied from ../shared/anchors.md (file not found here): Norse 065a3b45, PyTorch 1.13.1, 2 threads',
    figures: BUILT_IN_ANCHORS,
  };
};

const si = (x: number): string => {
  if (!Number.isFinite(x)) return '–';
  if (x >= 1e9) return `${(x / 1e9).toFixed(2)} G`;
  if (x >= 1e6) return `${(x / 1e6).toFixed(1)} M`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(1)} k`;
  return x.toFixed(1);
};
const ms = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const sizeName = (n: number): string => (n >= 1000 && Math.log10(n) % 1 === 0 ? `1e${Math.log10(n)}` : String(n));

/** The whole report as Markdown. */
export const markdown = (report: {
  readonly date: string;
  readonly machine: ReturnType<typeof machine>;
  readonly machineAfter: ReturnType<typeof machine>['loadAverage'];
  readonly norse: NorseReference;
  readonly sideBySide?: SideBySide | undefined;
  readonly rows: readonly Row[];
  readonly memory: readonly { model: string; stateVariables: string; float32: number; float64: number }[];
  readonly options: Record<string, unknown>;
}): string => {
  const m = report.machine;
  const norse = new Map(report.norse.figures.map((f) => [f.N, f]));
  const out: string[] = [];
  out.push(`# spikeflow benchmarks — ${report.date}`, '');
  out.push(
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node} (V8 ${m.v8}), ${m.platform}. ` +
      `Load average before/after: ${m.loadAverage.join(' ')} / ${report.machineAfter.join(' ')} ` +
      '(other processes share the cores when this is above ~0.5; figures are then lower and noisier).',
  );
  out.push('', `Norse reference: ${report.norse.source} — ${report.norse.detail}.`, '');
  if (report.sideBySide !== undefined) out.push(...sideBySideMarkdown(report.sideBySide));
  out.push(
    `Memory allocator of the other cases (run in the bench's own process): ${String(report.options.malloc ?? 'glibc defaults')}.`,
    '',
  );
  out.push('Times are the median of the runs (one warm-up run first), ± the median absolute deviation, and [min–max].', '');

  const lif = report.rows.filter((r) => r.case === 'lif' || r.case === 'lif-stream');
  if (lif.length > 0) {
    out.push(`## LIF layer, batch 1, T = ${lif[0]?.T ?? 1000}, float32 (input uniform in [0, 0.6))`, '');
    out.push('| case | N | backend | what ran | median ms ± MAD [min–max] | neuron-steps/s | × Norse best | × Norse LIF seq | note |');
    out.push('| --- | ---: | --- | --- | ---: | ---: | ---: | ---: | --- |');
    for (const r of lif) {
      const f = norse.get(r.N);
      const rate = r.neuronStepsPerSecond ?? Number.NaN;
      out.push(
        `| ${r.case} (${r.level}) | ${sizeName(r.N)} | ${r.backend} | ${r.ran} | ${ms(r.medianMs)} ± ${ms(r.madMs)} [${ms(r.minMs)}–${ms(r.maxMs)}] | ${si(rate)} | ${
          f === undefined ? '–' : (rate / f.best).toFixed(2)
        } | ${f === undefined ? '–' : (rate / f.lifSequence).toFixed(2)} | ${r.note ?? ''} |`,
      );
    }
    out.push('');
    out.push('| N | Norse LIF sequence | Norse LIFCell loop | Norse best |', '| ---: | ---: | ---: | ---: |');
    for (const f of report.norse.figures) out.push(`| ${sizeName(f.N)} | ${si(f.lifSequence)} | ${si(f.cellLoop)} | ${si(f.best)} |`);
    out.push('');
  }
  const others = report.rows.filter((r) => r.case !== 'lif' && r.case !== 'lif-stream');
  if (others.length > 0) {
    out.push('## Other cases (T = 1000, batch 1, float32)', '');
    out.push('| case | N | backend | what ran | median ms ± MAD [min–max] | rate | note |');
    out.push('| --- | ---: | --- | --- | ---: | ---: | --- |');
    for (const r of others) {
      const rate =
        r.neuronStepsPerSecond !== undefined ? `${si(r.neuronStepsPerSecond)} neuron-steps/s` : `${si(r.perSecond ?? Number.NaN)} /s`;
      out.push(
        `| ${r.case} (${r.level}) | ${sizeName(r.N)} | ${r.backend} | ${r.ran} | ${ms(r.medianMs)} ± ${ms(r.madMs)} [${ms(r.minMs)}–${ms(r.maxMs)}] | ${rate} | ${
          r.note ?? ''
        } |`,
      );
    }
    out.push('');
  }
  if (report.memory.length > 0) {
    out.push('## State memory per neuron', '');
    out.push('| model | state variables | bytes (float32) | bytes (float64) |', '| --- | --- | ---: | ---: |');
    for (const r of report.memory) out.push(`| ${r.model} | ${r.stateVariables} | ${r.float32} | ${r.float64} |`);
    out.push('');
  }
  out.push(`Options: \`${JSON.stringify(report.options)}\``, '');
  return out.join('\n');
};

/** Writes `<dir>/<stamp>.json`, `<dir>/<stamp>.md` and the `latest.*` copies; returns the paths. */
export const writeReport = (dir: string, stamp: string, json: unknown, md: string): string[] => {
  mkdirSync(dir, { recursive: true });
  const files = [join(dir, `${stamp}.json`), join(dir, `${stamp}.md`), join(dir, 'latest.json'), join(dir, 'latest.md')];
  for (const f of files) {
    mkdirSync(dirname(f), { recursive: true });
    writeFileSync(f, f.endsWith('.json') ? `${JSON.stringify(json, null, 2)}\n` : md);
  }
  return files;
};
