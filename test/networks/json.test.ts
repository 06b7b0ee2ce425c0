import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/program.js';
import { cubaNetwork } from '../../src/networks/classic.js';
import { spikingNetworkFromJson } from '../../src/networks/json.js';

const cubaJson = JSON.parse(readFileSync('examples/networks/cuba.json', 'utf8')) as unknown;

describe('spiking networks from JSON', () => {
  it('examples/networks/cuba.json is the CUBA network of cubaNetwork(): same synapses, same spikes', () => {
    const { net } = spikingNetworkFromJson(cubaJson, 1e-4);
    const ref = cubaNetwork();
    expect(net.projections.map((p) => p.synapses)).toEqual(ref.projections.map((p) => p.synapses));
    const [a] = net.run(300);
    const [b] = ref.run(300);
    expect(Array.from(a.spikes.E?.i ?? [])).toEqual(Array.from(b.spikes.E?.i ?? []));
    expect(a.spikes.E?.i.length).toBeGreaterThan(0);
  });

  it('errors name the entry', () => {
    expect(() => spikingNetworkFromJson({ populations: { E: { n: 10, ports: { e: { foo: 1 } } } } }, 1e-4)).toThrow(
      /populations.E.ports.e must be \{ "current": τ \}/,
    );
    expect(() =>
      spikingNetworkFromJson(
        { populations: { E: { n: 10 } }, projections: [{ from: 'E', to: 'E', port: 'e', connect: { sometimes: 1 } }] },
        1e-4,
      ),
    ).toThrow(/projections\[0\].connect must be "allToAll"/);
  });

  it('spikeflow run --network runs a spiking network file and writes its report', async () => {
    const out = mkdtempSync(join(tmpdir(), 'sf-net-'));
    const small = {
      seed: 2,
      populations: { E: { n: 50, refractory: 0.002, ports: { e: { current: 0.005 } } } },
      drives: [{ poissonDrive: { to: 'E', port: 'e', rate: 2000, weight: 3 } }],
      projections: [{ from: 'E', to: 'E', port: 'e', connect: { fixedInDegree: 5 }, weight: 0.5, delay: 0.001 }],
    };
    const file = join(out, 'net.json');
    (await import('node:fs')).writeFileSync(file, JSON.stringify(small));
    let stdout = '';
    let stderr = '';
    const code = await main(['run', '--network', file, '--dt', '0.0001', '--out', out, '--no-progress'], {
      stdout: (t) => {
        stdout += t;
      },
      stderr: (t) => {
        stderr += t;
      },
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/SpikingNetwork \(E 50\)/);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { layers?: { spikes?: number }[] };
    expect(JSON.stringify(summary)).toMatch(/SpikingNetwork/);
  });
});
