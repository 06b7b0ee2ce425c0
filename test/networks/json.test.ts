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

  it('spikeflow run --network runs a spiking network file and lists each population with its spikes', async () => {
    const out = mkdtempSync(join(tmpdir(), 'sf-net-'));
    const small = {
      seed: 2,
      populations: {
        E: { n: 50, refractory: 0.002, ports: { e: { current: 0.005 } } },
        I: { n: 20, refractory: 0.002, ports: { e: { current: 0.005 } } },
      },
      drives: [{ poissonDrive: { to: 'E', port: 'e', rate: 2000, weight: 3 } }],
      projections: [
        { from: 'E', to: 'E', port: 'e', connect: { fixedInDegree: 5 }, weight: 0.5, delay: 0.001 },
        { from: 'E', to: 'I', port: 'e', connect: { fixedInDegree: 10 }, weight: 2, delay: 0.001 },
      ],
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
    // the same network run directly for the demo's 2000 steps
    const [chunk] = spikingNetworkFromJson(small, 1e-4).net.run(2000);
    const count = (name: string) => chunk.spikes[name]?.i.length ?? 0;
    expect(count('E')).toBeGreaterThan(0);
    expect(count('I')).toBeGreaterThan(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as {
      layers: { name: string; size: number; spikes: number }[];
    };
    expect(summary.layers.map((l) => [l.name, l.size, l.spikes])).toEqual([
      ['E PointLIF', 50, count('E')],
      ['I PointLIF', 20, count('I')],
    ]);
    expect(stdout).toMatch(new RegExp(`\\n  E PointLIF\\(50\\): ${count('E')} spikes[^\\n]*\\n  I PointLIF\\(20\\): ${count('I')} spikes`));
  });
});
