/**
 * The three NIR files written by Norse's exporter (`test/fixtures/nir/`, copied from
 * `../shared/reference/nir/`) run with Norse's forward Euler at Norse's dt: identical spikes,
 * voltages within 1e-5 of what Norse computed with the original (un-exported) modules.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readNirFile } from '../../src/nir/hdf5.js';
import { compileNir } from '../../src/nir/runtime.js';
import { fromTypedArray } from '../../src/ops/tensor.js';

const fixture = (name: string) => new URL(`../fixtures/nir/${name}`, import.meta.url);

interface Reference {
  dt: number;
  input: number[][][];
  output: number[][][];
  layers: Record<string, number[][][]>;
}

const flat = (a: number[][][]): Float32Array => Float32Array.from(a.flat(2));

const cases = [
  { name: 'cuba_lif_mlp', spiking: ['lif1', 'lif2'], analog: ['fc1', 'fc2'] },
  { name: 'lifbox_libox', spiking: ['lif1'], analog: ['fc1', 'fc2', 'li1'] },
  { name: 'iaf', spiking: ['if1'], analog: ['fc1'] },
];

describe('NIR reference files (Norse export, nir 1.0.7)', () => {
  for (const c of cases) {
    it(`${c.name}: spikes identical, voltages within 1e-5 of Norse`, async () => {
      const file = await readNirFile(readFileSync(fixture(`${c.name}.nir`)));
      expect(file.version).toMatch(/^1\.0\.7/);
      const ref = JSON.parse(readFileSync(fixture(`${c.name}.json`), 'utf8')) as Reference;
      const T = ref.input.length;
      const B = ref.input[0]?.length as number;
      const xs = fromTypedArray(flat(ref.input), [T, B, (ref.input[0]?.[0] ?? []).length]);
      const program = compileNir(file.graph, { dt: ref.dt, record: true });
      const result = program.run(xs);
      for (const name of c.spiking) {
        const got = Array.from(result.layers[name]?.data ?? []);
        const want = Array.from(flat(ref.layers[name] as number[][][]));
        expect(got.length).toBe(want.length);
        expect(got).toEqual(want);
        // the test would be vacuous without spikes
        expect(want.filter((z) => z === 1).length).toBeGreaterThan(5);
      }
      for (const name of c.analog) {
        const got = result.layers[name]?.data as Float32Array;
        const want = flat(ref.layers[name] as number[][][]);
        expect(got.length).toBe(want.length);
        let worst = 0;
        for (let k = 0; k < want.length; k++) worst = Math.max(worst, Math.abs((got[k] as number) - (want[k] as number)));
        expect(worst).toBeLessThanOrEqual(1e-5);
      }
      expect(Array.from(result.output.data)).toEqual(
        Array.from(flat(ref.output)).map((v) => (result.output.data.constructor === Float32Array ? Math.fround(v) : v)),
      );
    });
  }
});
