/**
 * A seeded, time-bounded fuzz suite (fast-check) for the CLI's inputs (issue 14), beside the
 * readers' corruption suite: random argument lists over every flag (valid, borderline and
 * nonsense values), random and mutated input files of every kind, random network and parameter
 * files. The property: the CLI answers every case with exit 0, or exit 2 and a one-line reason on
 * stderr — never exit 1 (a bug), a thrown error, a stack trace, or output left half-written.
 *
 * `FUZZ_SEED` replays a campaign, `FUZZ_RUNS` multiplies its cases (60 `run`, 300 `simulate`, 300
 * `inspect`), `FUZZ_MS` bounds each property's time (default 60 s); a failure prints the seed and
 * the shrunk case.
 */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeEvt2, encodeEvt3, encodeNmnist } from '../io/formatEncoders.js';
import { runCli as run } from './runCli.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261207);
/** Upper bound of each property's time, ms: a slow machine runs fewer cases rather than hanging. */
const BUDGET_MS = Number(process.env.FUZZ_MS ?? 60_000);
/** Cases per property (`FUZZ_RUNS` scales them). */
const RUNS = Number(process.env.FUZZ_RUNS ?? 1);

const dir = mkdtempSync(join(tmpdir(), 'spikeflow-fuzz-'));
let counter = 0;
const fresh = (name: string): string => join(dir, `${counter++}-${name}`);
const put = (name: string, content: string | Uint8Array): string => {
  const path = fresh(name);
  writeFileSync(path, content);
  return path;
};
const existing = put('existing.txt', 'x');
const linked = join(dir, 'linked');
mkdirSync(linked);
symlinkSync(existing, join(linked, 'report.html'));

/** Exit codes seen, per command (the campaign must reach both answers). */
const seen: Record<string, Record<number, number>> = {};

/** The property every case must satisfy. */
const answered = (r: { code: number; out: string; err: string }, command: string): void => {
  const counts = seen[command] ?? {};
  seen[command] = counts;
  counts[r.code] = (counts[r.code] ?? 0) + 1;
  if (process.env.FUZZ_SHOW) console.log(command, r.code, r.err.slice(0, 200));
  if (r.code === 0) return;
  expect(r.code).toBe(2);
  expect(r.err).toMatch(/^(spikeflow: |error: )/);
  expect(r.err).not.toMatch(/Please report|internal error|\n\s+at \S+ \(/);
};

// --- values --------------------------------------------------------------------------------
const numberText = fc.oneof(
  fc.constantFrom('0', '-1', '1', '0.001', '1e-9', '1e30', '1e-320', '1e308', 'NaN', 'Infinity', '', ' ', 'abc', '0x10', '1e-3', '2'),
  fc.double({ noNaN: false }).map(String),
  fc.integer({ min: -10, max: 1e9 }).map(String),
);
const events = fc.array(
  fc.tuple(
    fc.integer({ min: 0, max: 5_000_000 }),
    fc.integer({ min: 0, max: 40 }),
    fc.integer({ min: 0, max: 40 }),
    fc.integer({ min: 0, max: 1 }),
  ),
  { maxLength: 40 },
);
const sorted = (e: [number, number, number, number][]): [number, number, number, number][] => [...e].sort((a, b) => a[0] - b[0]);
const mutate = (bytes: Uint8Array, cuts: readonly [number, number][], truncate: number): Uint8Array => {
  const b = Uint8Array.from(bytes);
  for (const [at, v] of cuts) if (b.length > 0) b[at % b.length] = v;
  return b.subarray(0, Math.max(0, b.length - truncate));
};
const flips = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 });

const jsonValue = fc.oneof(
  fc.array(fc.array(fc.oneof(fc.double(), fc.integer(), fc.constant(1e39), fc.constant(1e-50)), { minLength: 1, maxLength: 4 }), {
    maxLength: 30,
  }),
  fc.array(fc.array(fc.array(fc.double({ min: -2, max: 2 }), { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 2 }), {
    maxLength: 10,
  }),
  fc.jsonValue({ maxDepth: 4 }),
);

/** An input file of any kind: valid, mutated or random. */
const inputFile = fc.oneof(
  events.map((e) =>
    put(
      'e.jsonl',
      sorted(e)
        .map(([t, x, y, p]) => JSON.stringify({ t, x, y, p }))
        .join('\n'),
    ),
  ),
  fc.tuple(events, flips, fc.nat({ max: 20 })).map(([e, f, cut]) => put('e.raw', mutate(encodeEvt2(sorted(e), [64, 48]), f, cut))),
  fc.tuple(events, flips, fc.nat({ max: 20 })).map(([e, f, cut]) => put('e.raw', mutate(encodeEvt3(sorted(e), [64, 48]), f, cut))),
  fc
    .tuple(events, flips, fc.nat({ max: 10 }))
    .map(([e, f, cut]) => put('e.bin', mutate(encodeNmnist(sorted(e).map(([t, x, y, p]) => [t, x % 34, y % 34, p])), f, cut))),
  jsonValue.map((v) => put('c.json', JSON.stringify(v))),
  fc
    .array(fc.array(fc.oneof(fc.double().map(String), fc.constantFrom('', '"', 'x', '1e308', '"a"')), { maxLength: 4 }), { maxLength: 20 })
    .map((rows) => put('t.csv', `t,a,b\n${rows.map((r) => r.join(',')).join('\n')}`)),
  fc
    .tuple(
      fc.uint8Array({ maxLength: 600 }),
      fc.constantFrom('.bin', '.raw', '.dat', '.aedat', '.aedat4', '.jsonl', '.wav', '.csv', '.json', ''),
    )
    .map(([b, ext]) => put(`r${ext}`, b)),
  fc.constantFrom(dir, join(dir, 'missing.json')),
);

const layer = fc.record(
  {
    type: fc.constantFrom('linear', 'relu', 'LIF', 'LI', 'LIFRecurrent', 'IAF', 'nope'),
    out: fc.oneof(fc.integer({ min: -1, max: 64 }), fc.constantFrom(1e9, 0.5)),
    size: fc.oneof(fc.integer({ min: -1, max: 64 }), fc.constant(1e9)),
    seed: fc.integer(),
    params: fc.record({ tauMemInv: fc.oneof(fc.double(), fc.constantFrom(1e39, 1e300, 100)) }, { requiredKeys: [] }),
  },
  { requiredKeys: ['type'] },
);
const networkFile = fc.oneof(
  fc.array(layer, { maxLength: 5 }).map((layers) => put('n.json', JSON.stringify({ layers }))),
  fc.jsonValue({ maxDepth: 3 }).map((v) => put('n.json', JSON.stringify(v))),
  fc.string({ maxLength: 40 }).map((t) => put('n.json', t)),
);
const outDir = fc.oneof(
  { weight: 6, arbitrary: fc.constant(undefined).map(() => fresh('out')) },
  { weight: 1, arbitrary: fc.constantFrom(existing, join(existing, 'sub'), linked, '/proc/spikeflow-fuzz/x') },
);

/** Optional flag pairs: usually absent, so that cases reach the run and not only the parser. */
const flag = (name: string, value: fc.Arbitrary<string>) =>
  fc.oneof({ weight: 5, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: value.map((v) => [name, v]) });
/** Mostly sensible numbers, sometimes anything. */
const mostlyValid = (valid: readonly string[]) =>
  fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...valid) }, { weight: 1, arbitrary: numberText });

const runArgs = fc
  .tuple(
    inputFile,
    outDir,
    flag('--dt', mostlyValid(['0.001', '0.002', '0.0005', '0.01'])),
    flag('--gain', mostlyValid(['1', '2', '0.5', '10'])),
    flag('--model', fc.constantFrom('LIF', 'li', 'LIFRecurrent', 'Izhikevich', 'nope', '')),
    flag('--network', networkFile),
    flag('--format', fc.constantFrom('nmnist', 'evt2', 'evt3', 'dat', 'aedat2', 'aedat4', 'jsonl', 'wav', 'csv', 'json', 'mp3')),
    flag('--sensor', fc.constantFrom('4x4', '64x48', '0x0', '100000x1', 'wide')),
    flag('--max-steps', fc.oneof(numberText, fc.constantFrom('1', '50', '1e6'))),
    flag('--max-neurons', fc.oneof(numberText, fc.constantFrom('10', '1e4'))),
    flag('--max-memory', fc.constantFrom('1', '1K', '64M', '1G', 'lots', '1.5G', '-3M')),
    fc.boolean(),
  )
  .map(([input, out, ...rest]) => {
    const force = rest.pop() as boolean;
    const flags = (rest as (string[] | undefined)[]).filter((f): f is string[] => f !== undefined).flat();
    // Keep each case short: at most 3 000 steps unless the case sets its own limit.
    const cap = flags.includes('--max-steps') ? [] : ['--max-steps', '3000'];
    return ['run', '--input', input, '--out', out, ...flags, ...cap, ...(force ? ['--force'] : [])];
  });

const simulateArgs = fc
  .tuple(
    jsonValue,
    fc.option(
      fc.record({ tauMemInv: fc.oneof(fc.double(), fc.constant(1e39)), vTh: fc.double(), bogus: fc.integer() }, { requiredKeys: [] }),
      {
        nil: undefined,
      },
    ),
    fc.constantFrom('LIF', 'LI', 'IAF', 'LIFRefrac', 'nope'),
    flag('--dt', mostlyValid(['0.001', '0.002', '0.0005'])),
    flag('--dtype', fc.constantFrom('float32', 'float64', 'float16')),
  )
  .map(([input, params, model, dt, dtype]) => [
    'simulate',
    '--model',
    model,
    '--input',
    put('s.json', JSON.stringify(input)),
    ...(params === undefined ? [] : ['--params', put('p.json', JSON.stringify(params))]),
    ...(dt ?? []),
    ...(dtype ?? []),
  ]);

describe('fuzzing the CLI (fast-check, seeded, time-bounded)', () => {
  const options = (numRuns: number) => ({
    seed: SEED,
    numRuns: Math.max(1, Math.round(numRuns * RUNS)),
    interruptAfterTimeLimit: BUDGET_MS,
    endOnFailure: true,
    markInterruptAsFailure: false,
  });

  it(
    'spikeflow run: every argument list and input file ends in exit 0 or a clear exit 2',
    async () => {
      let cases = 0;
      await fc.assert(
        fc.asyncProperty(runArgs, async (argv) => {
          cases++;
          answered(await run(argv), 'run');
        }),
        options(60),
      );
      expect(cases).toBeGreaterThan(0);
    },
    BUDGET_MS + 60_000,
  );

  it(
    'spikeflow simulate: every input and parameter file ends in exit 0 or a clear exit 2',
    async () => {
      let cases = 0;
      await fc.assert(
        fc.asyncProperty(simulateArgs, async (argv) => {
          cases++;
          answered(await run(argv), 'simulate');
        }),
        options(300),
      );
      expect(cases).toBeGreaterThan(0);
    },
    BUDGET_MS + 60_000,
  );

  it(
    'spikeflow inspect: every file ends in exit 0 or a clear exit 2',
    async () => {
      let cases = 0;
      await fc.assert(
        fc.asyncProperty(inputFile, async (file) => {
          cases++;
          answered(await run(['inspect', file]), 'inspect');
        }),
        options(300),
      );
      expect(cases).toBeGreaterThan(0);
    },
    BUDGET_MS + 60_000,
  );
});
