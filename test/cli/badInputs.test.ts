/**
 * The bad-input table of issue 14: every kind of bad input to the CLI exits 2 with a clear message
 * naming what is wrong (or 0 where the input is valid), never a stack trace or exit 1, and every
 * refusal comes before the work it would spoil (so the whole table runs in seconds, far under the
 * 1.5 GB the issue allows: the test checks the worker's peak RSS after the table).
 */
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeEvt2, encodeWav } from '../io/formatEncoders.js';
import { runCli as run } from './runCli.js';

const dir = mkdtempSync(join(tmpdir(), 'spikeflow-bad-'));
const file = (name: string, content: string | Uint8Array): string => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
const json = (name: string, value: unknown): string => file(name, JSON.stringify(value));
const jsonl = (name: string, events: readonly (readonly [number, number, number, number])[]): string =>
  file(name, events.map(([t, x, y, p]) => JSON.stringify({ t, x, y, p })).join('\n') + '\n');

/** A 16-bit mono PCM WAV file of `frames` samples at `rate` Hz. */
const wav = (name: string, frames: number, rate: number): string => file(name, encodeWav(frames, rate));

const out = (name: string): string => join(dir, `out-${name}`);
const currents = json('currents.json', [
  [0.5, 1],
  [0.5, 1],
]);
const nested = (depth: number): string => `${'['.repeat(depth)}1${']'.repeat(depth)}`;
const recurrentHuge = json('recurrent-huge.json', { layers: [{ type: 'LIFRecurrent', size: 1e9 }] });
const linearHuge = json('linear-huge.json', { layers: [{ type: 'linear', out: 1e9 }, { type: 'LIF' }] });
const manyLayers = json('many-layers.json', { layers: Array.from({ length: 5000 }, () => ({ type: 'LIF' })) });
const tauHuge = json('tau-huge.json', { layers: [{ type: 'LIF', params: { tauMemInv: 1e39 } }] });
const tauF64 = json('tau-f64.json', { tauMemInv: 1e300 });
const tauF32 = json('tau-f32.json', { tauMemInv: 1e39 });
const fileOut = file('existing.txt', 'not a folder');
const linkTarget = file('target.html', 'somebody else’s file');
const linkDir = join(dir, 'with-link');
mkdirSync(linkDir);
symlinkSync(linkTarget, join(linkDir, 'report.html'));
const foreignDir = join(dir, 'foreign');
mkdirSync(foreignDir);
writeFileSync(join(foreignDir, 'report.html'), 'a report spikeflow did not write');
const existingOut = file('existing.json', '{}');

/** [what, argv, expected exit code, message pattern (stderr for 2, stdout for 0)]. */
const table: readonly (readonly [string, readonly string[], 0 | 2, RegExp])[] = [
  // a mistyped option is named even when a required option is missing because of it
  [
    'simulate --modle (a typo of the required --model)',
    ['simulate', '--modle', 'LIF', '--input', currents],
    2,
    /unknown option '--modle'[\s\S]*Did you mean --model\?/,
  ],
  ['run --inputt (a typo on the default command)', ['--inputt', currents], 2, /unknown option '--inputt'/],
  // 2. unbounded steps or sensors
  [
    'an event at t = 1e12 µs',
    [
      '--input',
      jsonl('t1e12.jsonl', [
        [0, 1, 1, 1],
        [1e12, 2, 2, 0],
      ]),
      '--out',
      out('a'),
    ],
    2,
    /1\.00e9 steps, more than --max-steps/,
  ],
  [
    'a corrupted coordinate (inferred 15436 × 747 sensor)',
    ['--input', jsonl('xy.jsonl', [[0, 15435, 746, 1]]), '--out', out('b')],
    2,
    /15436×747.*more than --max-neurons/,
  ],
  [
    '--dt 1e-9 over one second of events',
    [
      '--input',
      jsonl('sec.jsonl', [
        [0, 1, 1, 1],
        [1e6, 2, 2, 0],
      ]),
      '--dt',
      '1e-9',
      '--out',
      out('c'),
    ],
    2,
    /--max-steps/,
  ],
  [
    'a recurrent layer of 1e9 neurons',
    ['--input', currents, '--network', recurrentHuge, '--out', out('d')],
    2,
    /1\.00e9 neurons, more than --max-neurons/,
  ],
  ['a linear layer of 1e9 outputs', ['--input', currents, '--network', linearHuge, '--out', out('e')], 2, /--max-(memory|neurons)/],
  [
    'a header sensor beyond --max-neurons',
    ['--input', file('big.raw', encodeEvt2([[0, 1, 1, 1]], [4096, 4096])), '--max-neurons', '1e6', '--out', out('f')],
    2,
    /4096×4096.*--max-neurons/,
  ],
  [
    '--sensor smaller than the events',
    ['--input', jsonl('small.jsonl', [[0, 10, 10, 1]]), '--sensor', '4x4', '--out', out('g')],
    2,
    /outside|sensor/i,
  ],
  [
    '--max-steps exceeded by JSON currents',
    ['--input', currents, '--max-steps', '1', '--out', out('h')],
    2,
    /2 steps, more than --max-steps 1/,
  ],
  ['--max-neuron-steps exceeded', ['--max-neuron-steps', '1000', '--out', out('i')], 2, /neuron-steps.*--max-neuron-steps 1000/],
  [
    '--max-memory too small for the network',
    ['--input', file('vga.raw', encodeEvt2([[0, 1, 1, 1]], [640, 480])), '--max-memory', '4M', '--out', out('j')],
    2,
    /--max-memory/,
  ],
  [
    'a JSON input larger than --max-memory allows',
    ['--input', currents, '--max-memory', '64', '--out', out('k')],
    2,
    /parsed whole.*--max-memory/,
  ],
  [
    'timestamps going backwards',
    [
      '--input',
      jsonl('back.jsonl', [
        [0, 1, 1, 1],
        [5000, 1, 1, 1],
        [1000, 1, 1, 1],
      ]),
      '--out',
      out('l'),
    ],
    2,
    /late|order|back/i,
  ],
  // 4. raw stack traces before
  ['a folder as input (EISDIR)', ['--input', dir, '--out', out('m')], 2, /is a folder/],
  ['a missing input', ['--input', join(dir, 'missing.json'), '--out', out('n')], 2, /cannot read input file/],
  ['a CSV syntax error', ['--input', file('quote.csv', 't,a\n0,"x\n1,2\n'), '--out', out('o')], 2, /CSV|quote/i],
  [
    'a CSV whose first cell opens a quote mid-field (found by the fuzz suite)',
    ['inspect', file('opening.csv', Uint8Array.from([0x1f, 0x84, 0x1d, 0x4f, 0x71, 0x9d, 0x57, 0x22, 0x71, 0xe3]))],
    2,
    /csv.*Invalid Opening Quote/i,
  ],
  ['an empty CSV', ['--input', file('empty.csv', ''), '--out', out('p')], 2, /no data rows|empty|no rows/i],
  ['a header-only CSV', ['--input', file('header.csv', 't,a,b\n'), '--out', out('q')], 2, /no data rows/],
  ['deeply nested JSON (run)', ['--input', file('deep.json', nested(100_000)), '--out', out('r')], 2, /input/],
  ['deeply nested JSON (simulate)', ['simulate', '--model', 'LIF', '--input', file('deep2.json', nested(100_000))], 2, /input/],
  ['a 5000-layer network', ['--input', currents, '--network', manyLayers, '--out', out('s')], 2, /5000 layers, more than the 256/],
  ['invalid JSON network', ['--input', currents, '--network', file('broken.json', '{"layers": ['), '--out', out('t')], 2, /not valid JSON/],
  [
    'simulate --input a CSV file',
    ['simulate', '--model', 'LIF', '--input', file('sim.csv', 't,a\n0,1\n')],
    2,
    /is not valid JSON: [\s\S]*; simulate reads JSON currents only \(an array T×N or T×B×N\); spikeflow run --input reads CSV/,
  ],
  [
    'run --model of a recurrent model',
    ['--input', currents, '--model', 'lsnnrecurrent', '--out', out('t4')],
    2,
    /--model LSNNRecurrent is recurrent: .* e\.g\. \{ "layers": \[ \{ "type": "LSNNRecurrent", "size": 20, "seed": 1 \} \] \}/,
  ],
  [
    'a trained-parameters file as --network',
    ['--input', currents, '--network', json('params.json', { format: 'spikeflow-params', version: 1, params: {} }), '--out', out('t2')],
    2,
    /trained parameters \(written by spikeflow train --out\), not a network; .*loadParams/,
  ],
  [
    'a JSON network with neither layers nor populations',
    ['--input', currents, '--network', json('nolayers.json', { layer: [] }), '--out', out('t3')],
    2,
    /"layers" array \(a stack of layers\) or "populations" \(a spiking network\), or is a NIR graph \(\.nir\); received keys "layer"/,
  ],
  // --out, before any work (the inputs here would each be refused later for another reason)
  [
    '--out an existing file',
    [
      '--input',
      jsonl('t1e12b.jsonl', [
        [0, 1, 1, 1],
        [1e12, 2, 2, 0],
      ]),
      '--out',
      fileOut,
    ],
    2,
    /exists and is not a folder/,
  ],
  ['--out under a file', ['--out', join(fileOut, 'sub')], 2, /--out.*not a folder/],
  ['--out /proc/x', ['--out', '/proc/spikeflow-x/y'], 2, /--out.*cannot (create|write)/],
  ['--out with report.html a symlink', ['--out', linkDir], 2, /symbolic link/],
  ['--out with a report spikeflow did not write', ['--out', foreignDir], 2, /was not written by spikeflow; give --force/],
  ['--out with that report and --force', ['--out', foreignDir, '--force'], 0, /steps: 2000/],
  [
    'simulate --out over an existing file',
    ['simulate', '--model', 'LIF', '--input', currents, '--out', existingOut],
    2,
    /exists; give --force/,
  ],
  [
    'simulate --out in a missing folder',
    ['simulate', '--model', 'LIF', '--input', currents, '--out', join(dir, 'no', 'x.json')],
    2,
    /does not exist/,
  ],
  // 5. overflow and underflow in the dtype
  [
    'tauMemInv 1e300 (float64: overflow during the run)',
    ['simulate', '--model', 'LIF', '--dtype', 'float64', '--input', json('neg.json', [[-1], [-1], [-1]]), '--params', tauF64],
    2,
    /v became (-?Infinity|NaN) at step \d: the integration overflowed float64|forward Euler is unstable: dt·tauMemInv = 1e\+297/,
  ],
  [
    'tauMemInv 1e39 in float32',
    ['simulate', '--model', 'LIF', '--input', currents, '--params', tauF32],
    2,
    /tauMemInv = 1e\+39 overflows float32/,
  ],
  [
    'tauMemInv 1e39 in a network file',
    ['--input', currents, '--network', tauHuge, '--out', out('u')],
    2,
    /tauMemInv = 1e\+39 overflows float32/,
  ],
  [
    "a network file's bad parameter, named by its path",
    ['--input', currents, '--network', json('tau-neg.json', { layers: [{ type: 'LIF', params: { tauMemInv: -5 } }] }), '--out', out('u2')],
    2,
    /^spikeflow: --network: layers\[0\]\.params\.tauMemInv \(LIF\): tauMemInv must be > 0, received -5\n$/,
  ],
  [
    "a network file's recurrent weights of the wrong shape, named by their path",
    [
      '--input',
      currents,
      '--network',
      json('rec-w.json', { layers: [{ type: 'LIFRecurrent', size: 4, params: { inputWeights: [[1]] } }] }),
      '--out',
      out('u3'),
    ],
    2,
    /^spikeflow: --network: layers\[0\]\.params\.inputWeights must be \[4, 2\] \(size × the layer's 2 inputs\), received a \[1, 1\] array\n$/,
  ],
  ['--dt 1e30 (simulate)', ['simulate', '--model', 'LIF', '--input', currents, '--dt', '1e30'], 2, /overflow|unstable: dt·tau\w+Inv = /],
  ['--dt 1e30 (run)', ['--input', currents, '--dt', '1e30', '--out', out('v')], 2, /overflow|unstable: dt·tau\w+Inv = /],
  [
    'currents near the float32 limit whose synaptic current overflows during the run',
    [
      'simulate',
      '--model',
      'LIF',
      '--input',
      json(
        'c38.json',
        Array.from({ length: 20 }, () => [3e38]),
      ),
    ],
    2,
    /LIF \w+ became (NaN|-?Infinity) at step \d+: the integration overflowed float32/,
  ],
  [
    'the same in run (state checked after each chunk)',
    [
      '--input',
      json(
        'c38r.json',
        Array.from({ length: 20 }, () => [3e38]),
      ),
      '--out',
      out('v2'),
    ],
    2,
    /the LIF layer's state \w+ became (NaN|-?Infinity)/,
  ],
  [
    '--dt 1e-320 (simulate, float64)',
    ['simulate', '--model', 'LIF', '--dtype', 'float64', '--input', currents, '--dt', '1e-320'],
    2,
    /--dt 1e-320.*(normal|underflow)/,
  ],
  ['--dt 1e-320 (run)', ['--input', currents, '--dt', '1e-320', '--out', out('w')], 2, /--dt.*(underflow|normal)/],
  [
    'a CSV value of 1e308',
    ['--input', file('big.csv', 't,a\n0,1e308\n1,1\n'), '--out', out('x')],
    2,
    /CSV value 1e\+308 at step 0.*float32/,
  ],
  ['an input current of 1e39 (float32)', ['simulate', '--model', 'LIF', '--input', json('c39.json', [[1e39]])], 2, /overflows float32/],
  ['--gain 1e308', ['--input', currents, '--gain', '1e308', '--out', out('y')], 2, /--gain = 1e\+308 overflows float32/],
  [
    '--gain 1e38 × input 10 overflows',
    ['--input', json('c10.json', [[10]]), '--gain', '1e38', '--out', out('z')],
    2,
    /--gain 1e\+38 × input value 10.*overflows float32/,
  ],
  // 8. smaller
  [
    'an EVT 2.0 header cut at a line end',
    ['--input', file('cut.raw', '% evt 2.0\n% format EVT2;height=480;width=640\n'), '--out', out('A')],
    2,
    /no events|truncated|header/i,
  ],
  ['a WAV with --dt 100', ['--input', wav('short.wav', 4800, 48000), '--dt', '100', '--out', out('B')], 2, /--dt 100 s is longer than/],
  [
    'a WAV with --dt below one sample',
    ['--input', wav('short2.wav', 4800, 48000), '--dt', '1e-6', '--out', out('C')],
    2,
    /shorter than one sample/,
  ],
  [
    '--model with --network',
    ['--input', currents, '--model', 'LIF', '--network', tauHuge, '--out', out('D')],
    2,
    /--model is for the default network/,
  ],
  ['a repeated --input', ['--input', currents, '--input', currents, '--out', out('E')], 2, /given more than once/],
  ['a recurrent --model without --network', ['--input', currents, '--model', 'LIFRecurrent', '--out', out('F')], 2, /recurrent/],
  ['an unknown --format', ['--input', currents, '--format', 'mp3', '--out', out('G')], 2, /--format must be one of/],
  ['--sensor for a non-event input', ['--input', currents, '--sensor', '4x4', '--out', out('H')], 2, /--sensor is for event recordings/],
  ['a bad --max-memory', ['--max-memory', 'lots', '--out', out('I')], 2, /expected a size/],
  ['an unknown command', ['frobnicate'], 2, /unknown command/],
  ['an unknown option', ['--frobnicate'], 2, /unknown option/],
  ['inspect a folder', ['inspect', dir], 2, /is a folder; inspect takes a recording file/],
  // valid inputs still run
  ['valid JSON currents', ['--input', currents, '--out', out('ok1')], 0, /steps: 2 /],
  [
    'valid events',
    [
      '--input',
      jsonl('ok.jsonl', [
        [0, 1, 1, 1],
        [3000, 2, 2, 0],
      ]),
      '--out',
      out('ok2'),
    ],
    0,
    /steps: 4 /,
  ],
  ['valid simulate', ['simulate', '--model', 'LIF', '--input', currents], 0, /"outputs"/],
];

describe('the CLI on bad inputs (issue 14)', () => {
  for (const [what, argv, code, pattern] of table) {
    it(`${what}: exit ${code}`, async () => {
      const r = await run(argv);
      if (process.env.SHOW_MESSAGES) console.log(`${what} → ${r.code}: ${r.err.trim()}`);
      expect({ code: r.code, text: code === 0 ? r.out : r.err }).toEqual({ code, text: expect.stringMatching(pattern) });
      if (code === 2) {
        expect(r.err).not.toMatch(/Please report|\n\s+at /);
        expect(r.out).toBe('');
      }
    }, 60_000);
  }

  it('refuses --out before any work: no folder is left behind and nothing was simulated', async () => {
    const target = join(dir, 'never', 'made');
    const r = await run([
      '--input',
      jsonl('t1e12c.jsonl', [
        [0, 1, 1, 1],
        [1e12, 2, 2, 0],
      ]),
      '--out',
      target,
    ]);
    expect(r.code).toBe(2);
    expect(existsSync(join(dir, 'never'))).toBe(false);
  });

  it('keeps files it did not write and never writes through links', () => {
    expect(readFileSync(linkTarget, 'utf8')).toBe('somebody else’s file');
    expect(lstatSync(join(linkDir, 'report.html')).isSymbolicLink()).toBe(true);
    expect(readFileSync(existingOut, 'utf8')).toBe('{}');
  });

  it('reruns into its own output folder without --force', async () => {
    const o = out('rerun');
    expect((await run(['--input', currents, '--out', o])).code).toBe(0);
    expect((await run(['--input', currents, '--out', o])).code).toBe(0);
  });

  it('stayed under 1.5 GB peak RSS over the whole table', () => {
    expect(process.resourceUsage().maxRSS * 1024).toBeLessThan(1.5e9);
  });
});
