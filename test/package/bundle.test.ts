/**
 * What a browser app pays for `import { lif } from 'spikeflow'` plus `import { raster } from
 * 'spikeflow/viz'`: an esbuild bundle (browser platform, minified, tree-shaken as `sideEffects`
 * allows) whose metafile must hold no gpu.js, acorn or linkedom, within 120 KB gzipped; and the
 * bundle still runs LIF (the `js` backend's registration survives tree shaking).
 */
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { lif } from '../../src/neurons/lif.js';
import { tensor } from '../../src/ops/tensor.js';
import { root } from './entries.js';

const LIMIT_GZIP_BYTES = 120 * 1024;
const FORBIDDEN = /node_modules\/(gpu\.js|acorn|linkedom|htmlparser2|gl|h5wasm)\//;

describe('browser bundle of lif + raster', () => {
  let code = '';
  let metafile: Metafile;

  beforeAll(async () => {
    const result = await build({
      stdin: {
        contents: [
          "import { lif, tensor } from 'spikeflow';",
          "import { raster } from 'spikeflow/viz';",
          'export const spikes = () => lif.run({}, 0.001)(tensor([[[3]], [[3]], [[3]], [[3]], [[3]], [[3]]]))[0].data;',
          'export { raster };',
        ].join('\n'),
        resolveDir: root,
        loader: 'ts',
      },
      bundle: true,
      write: false,
      minify: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      conditions: ['spikeflow-source'],
      metafile: true,
      logLevel: 'silent',
    });
    code = result.outputFiles[0]?.text ?? '';
    metafile = result.metafile;
    // bundling all of src/ takes a few seconds; more on a loaded machine
  }, 120_000);

  it('holds no gpu.js, acorn, linkedom (nor other backends’ or formats’ dependencies)', () => {
    const inputs = Object.keys(metafile.inputs);
    expect(inputs.filter((p) => FORBIDDEN.test(p))).toEqual([]);
    // wasm/encoding.ts (WebAssembly's byte encoding, pure, used by the training kernels) is shared by
    // the core as in .dependency-cruiser.cjs; the wasm front end and code generator are not.
    const plugins = inputs.filter((p) => /src\/(ops\/backends\/(gpu|threads|wasm)|io\/|cli\/)/.test(p));
    expect(plugins.filter((p) => !p.endsWith('src/ops/backends/wasm/encoding.ts'))).toEqual([]);
  });

  it(`is at most ${LIMIT_GZIP_BYTES / 1024} KB minified and gzipped`, () => {
    const gzipped = gzipSync(code, { level: 9 }).length;
    console.log(`lif + raster bundle: ${(code.length / 1024).toFixed(1)} KB minified, ${(gzipped / 1024).toFixed(1)} KB gzipped`);
    expect(gzipped).toBeLessThanOrEqual(LIMIT_GZIP_BYTES);
  });

  it('runs: LIF from the bundle spikes exactly as LIF from the sources', async () => {
    const mod = (await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)) as {
      spikes: () => Float32Array;
      raster: unknown;
    };
    const xs = tensor([[[3]], [[3]], [[3]], [[3]], [[3]], [[3]]]);
    const expected = Array.from(lif.run({}, 0.001)(xs)[0].data);
    expect(expected.some((z) => z === 1)).toBe(true);
    expect(Array.from(mod.spikes())).toEqual(expected);
    expect(typeof mod.raster).toBe('function');
  });
});
