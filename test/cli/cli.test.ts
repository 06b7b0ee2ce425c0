/** `spikeflow simulate`: the public contract for running one model over recorded input. */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { camel, fromNorse, loadTrace } from '../golden.js';
import { runCli as run } from './runCli.js';

const dir = mkdtempSync(join(tmpdir(), 'spikeflow-cli-'));
const write = (name: string, value: unknown): string => {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(value));
  return path;
};

describe('spikeflow simulate', () => {
  for (const [file, extra] of [
    ['LIF_nondefault_c_sawtooth.json', {}],
    ['LIFBox_nondefault_a_const_0.3.json', {}],
    ['LI_default_b_const_per_neuron.json', {}],
    ['LIFRefrac_nondefault_b_const_per_neuron.json', {}],
    ['LIFRecurrent_default_c_sawtooth.json', { recurrent: true }],
    ['LSNN_nondefault_c_sawtooth.json', {}],
    ['Izhikevich_default_e_strong.json', { behavior: true }],
    ['CobaLIF_nondefault_b_const_per_neuron.json', {}],
    ['IAF_nondefault_c_sawtooth.json', {}],
    ['LIBox_nondefault_b_const_per_neuron.json', {}],
  ] as const) {
    it(`reproduces ${file} in float64 (bit for bit)`, async () => {
      const tr = loadTrace(file);
      const params: Record<string, unknown> = fromNorse(tr.params);
      if ('recurrent' in extra) {
        params.inputWeights = tr.input_weights;
        params.recurrentWeights = tr.recurrent_weights_given;
      }
      if ('behavior' in extra) params.behavior = tr.behavior;
      const out = join(dir, `out-${file}`);
      const r = await run([
        'simulate',
        '--model',
        tr.model.toLowerCase(),
        '--input',
        write(`in-${file}`, tr.input),
        '--params',
        write(`p-${file}`, params),
        '--dtype',
        'float64',
        '--out',
        out,
      ]);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      const doc = JSON.parse((await import('node:fs')).readFileSync(out, 'utf8'));
      expect(Object.keys(doc.outputs).sort()).toEqual(Object.keys(tr.outputs).map(camel).sort());
      // State names are Norse's in camelCase (CobaLIF's g_e → gE).
      for (const [k, v] of Object.entries(tr.outputs)) expect(doc.outputs[camel(k)], k).toEqual(v);
    });
  }

  it('accepts T×B×N input and keeps the batch dimension', async () => {
    const r = await run([
      'simulate',
      '--model',
      'IAF',
      '--input',
      write('b.json', [
        [[0.6], [0.2]],
        [[0.6], [0.2]],
      ]),
    ]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    // IAF: v = 0.6 then 1.2 > 1 → spike and reset to 0; second batch row accumulates 0.2, 0.4.
    expect(doc.outputs.z).toEqual([
      [[0], [0]],
      [[1], [0]],
    ]);
    expect(doc.outputs.v[1][1][0]).toBeCloseTo(0.4, 6);
    expect(doc.outputs.v[1][0][0]).toBe(0);
  });

  it('exits with 2 and a clear message on bad arguments or input', async () => {
    const input = write('ok.json', [[0.1, 0.2]]);
    const cases: [string[], RegExp][] = [
      [['simulate', '--model', 'nope', '--input', input], /unknown model "nope"; expected one of LIF/],
      [['simulate', '--model', 'LIF', '--input', input, '--dt', '0'], /--dt <seconds>' argument '0' is invalid. expected a number > 0/],
      [['simulate', '--model', 'LIF', '--input', input, '--dtype', 'int8'], /Allowed choices are float32, float64/],
      [
        ['simulate', '--model', 'LIF', '--input', write('ragged.json', [[0.1, 0.2], [0.3]])],
        /input\[1\] must have 2 numbers, received 1 entries/,
      ],
      [['simulate', '--model', 'LIF', '--input', write('nan.json', [[0.1, 'x']])], /input\[0\]\[1\] must be a finite number, received "x"/],
      [['simulate', '--model', 'LIF', '--input', input, '--params', write('p.json', { v_th: 1 })], /did you mean "vTh"/],
      [
        ['simulate', '--model', 'LIF', '--input', input, '--params', write('p2.json', { tauMemInv: -1 })],
        /tauMemInv must be > 0, received -1/,
      ],
      [
        ['simulate', '--model', 'LIF', '--input', join(dir, 'missing.json')],
        /cannot read input file ".*missing\.json" \(--input\): no such file or folder$/m,
      ],
      [['simulate', '--model', 'LIF'], /required option '--input <file>' not specified/],
    ];
    for (const [argv, message] of cases) {
      const r = await run(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err, argv.join(' ')).toMatch(message);
    }
  });

  it('runs as an executable (bin/spikeflow.js) with exit codes 0 and 2', () => {
    const input = write('exe.json', [[0.3], [0.3]]);
    const out = execFileSync(process.execPath, ['bin/spikeflow.js', 'simulate', '--model', 'LIF', '--input', input, '--dtype', 'float64'], {
      encoding: 'utf8',
    });
    // Hand-derived: i_j = 0.3; v = 0.1·0.3 = 0.03; i = 0.3 − 0.2·0.3 = 0.24.
    expect(JSON.parse(out).outputs.v[0][0]).toBe(0.1 * 0.3);
    expect(JSON.parse(out).outputs.i[0][0]).toBe(0.3 + -0.2 * 0.3);
    const bad = spawnSync(process.execPath, ['bin/spikeflow.js', 'simulate', '--model', 'LIF', '--input', input, '--dt', '-1'], {
      encoding: 'utf8',
    });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/expected a number > 0/);
  });
});
