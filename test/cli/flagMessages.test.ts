/**
 * The CLI's errors speak of what the user typed: flags and files, not the library's function and
 * option names (`--params "p.json": tauMemInv …`, not `lif.parameters: tauMemInv …`). Exit 2.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli as run } from './runCli.js';

const dir = mkdtempSync(join(tmpdir(), 'spikeflow-flag-messages-'));
const file = (name: string, content: unknown): string => {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
};
const currents = file('currents.json', [
  [0.5, 1],
  [0.5, 1],
]);
const out = (name: string): string => join(dir, `out-${name}`);

describe('spikeflow simulate names its flags and files', () => {
  const table: [string, string[], string][] = [
    [
      'a parameter out of range',
      ['--params', file('p-neg.json', { tauMemInv: -1 })],
      `--params ${JSON.stringify(join(dir, 'p-neg.json'))}: tauMemInv must be > 0, received -1`,
    ],
    [
      'an input value that is not a number',
      ['--input', file('c-bad.json', [[1, 'a']])],
      `--input ${JSON.stringify(join(dir, 'c-bad.json'))}: input[0][1] must be a finite number, received "a"`,
    ],
  ];
  for (const [what, extra, message] of table) {
    it(what, async () => {
      const argv = ['simulate', '--model', 'LIF', ...(extra[0] === '--input' ? [] : ['--input', currents]), ...extra];
      const r = await run(argv);
      expect(r).toEqual({ code: 2, out: '', err: `spikeflow: ${message}\n` });
    });
  }

  it('an unknown parameter, an unknown model, a --dt the model cannot take', async () => {
    const p = await run(['simulate', '--model', 'LIF', '--input', currents, '--params', file('p-unknown.json', { vth: 1 })]);
    expect(p.code).toBe(2);
    expect(p.err).toMatch(/^spikeflow: --params "[^"]*p-unknown\.json": unknown parameter "vth"; expected one of tauSynInv, tauMemInv/);
    const m = await run(['simulate', '--model', 'LIFX', '--input', currents]);
    expect(m.code).toBe(2);
    expect(m.err).toMatch(/^spikeflow: --model: unknown model "LIFX"; expected one of LIF, /);
    const rec = await run(['simulate', '--model', 'lifrecurrent', '--input', currents]);
    expect(rec.err).toMatch(
      /^spikeflow: --model lifrecurrent needs parameters given with --params FILE: 2 problems: \(1\) inputWeights is required/,
    );
    const d = await run(['simulate', '--model', 'LIF', '--input', currents, '--dt', '10']);
    expect(d).toEqual({
      code: 2,
      out: '',
      err:
        'spikeflow: --dt 10: forward Euler is unstable: dt·tauSynInv = 2000 ≥ 1 (dt 10 s); use a smaller --dt, or set "integration": ' +
        '"exponentialEuler" or "exact" (where the model has it) or "allowUnstableEuler": true in --params\n',
    });
  });
});

describe('spikeflow run and inspect name their flags', () => {
  it('--model unknown, and a --dt the default network cannot take (no parameters to set: only --dt)', async () => {
    const m = await run(['run', '--input', currents, '--model', 'LIFX', '--out', out('m')]);
    expect(m.code).toBe(2);
    expect(m.err).toMatch(/^spikeflow: --model: unknown model "LIFX"/);
    const d = await run(['run', '--input', currents, '--dt', '10', '--out', out('d')]);
    expect(d).toEqual({
      code: 2,
      out: '',
      err: 'spikeflow: --dt 10: forward Euler is unstable: dt·tauSynInv = 2000 ≥ 1 (dt 10 s); use a smaller --dt\n',
    });
  });

  it("a --dt a network file's layer cannot take points at that layer's params", async () => {
    const net = file('net-lif.json', { layers: [{ type: 'linear', out: 3 }, { type: 'LIF' }] });
    const d = await run(['run', '--input', currents, '--network', net, '--dt', '10', '--out', out('nd')]);
    expect(d.code).toBe(2);
    expect(d.err).toMatch(
      /^spikeflow: --dt 10: the --network's layers\[1\] \(LIF\): forward Euler is unstable: .*use a smaller --dt, or set .* in the --network file's layers\[1\]\.params\n$/,
    );
  });

  it('a file whose format cannot be told asks for --format; inspect --format names the flag', async () => {
    const unknown = file('noise.xyz', 'not a recording at all');
    const r = await run(['run', '--input', unknown, '--out', out('f')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/cannot tell the format of "[^"]*noise\.xyz" from its first bytes or its extension; pass --format, one of /);
    const i = await run(['inspect', unknown]);
    expect(i.err).toMatch(/pass --format, one of /);
    const f = await run(['inspect', unknown, '--format', 'foo']);
    expect(f.code).toBe(2);
    expect(f.err).toMatch(/^spikeflow: --format must be one of nmnist, .*, received "foo"\n$/);
  });
});

describe('a spiking-network file (populations) names the path at fault', () => {
  const pop = (params: object) => ({ model: 'PointLIF', n: 10, params, ports: { ge: { current: 0.005 } } });
  it("a population's bad or unknown parameter", async () => {
    const bad = file('pop-bad.json', { populations: { E: pop({ tauMemInv: -5 }) } });
    const r = await run(['run', '--input', currents, '--network', bad, '--out', out('p1')]);
    expect(r).toEqual({
      code: 2,
      out: '',
      err: 'spikeflow: --network: populations.E.params.tauMemInv: tauMemInv must be > 0, received -5\n',
    });
    const unknown = file('pop-unknown.json', { populations: { E: pop({ vTh: -50, vth: 2 }) } });
    const u = await run(['run', '--input', currents, '--network', unknown, '--out', out('p2')]);
    expect(u.err).toMatch(/^spikeflow: --network: populations\.E\.params\.vth: unknown parameter "vth"/);
  });

  it('an input population of another size than the input, named with the input', async () => {
    const net = file('pop-input.json', { populations: { E: pop({}) }, input: { to: 'E', port: 'ge' } });
    const r = await run(['run', '--input', currents, '--network', net, '--out', out('p3')]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      `spikeflow: --network: the input feeds population "E" of 10 neurons, but the input ${currents} has 2 features per step; ` +
        'give an --input of 10 features per step, or change "input" in the network file\n',
    );
    const demo = await run(['run', '--network', net, '--out', out('p4')]);
    expect(demo.err).toMatch(/but the built-in demo input \(no --input was given\) has 64 features per step/);
  });
});
