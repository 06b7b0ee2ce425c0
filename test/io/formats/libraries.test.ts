/**
 * Format-only libraries load at their first use (src/io/formats/libraries.ts): importing
 * `spikeflow/node` by the package name in a fresh Node process loads none of flatbuffers, fzstd,
 * lz4js, wavefile, csv-parse, ws or linkedom; a decoder that needs one loads it then. Checked two
 * ways: at run time (a module-resolution hook and `require.cache` in the fresh process) and in
 * the module graph (an esbuild metafile: no static import path from the entry reaches them).
 */
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { formatLibrary } from '../../../src/io/formats/libraries.js';
import { wavDecoder } from '../../../src/io/formats/wav.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const LIBS = /node_modules\/(fzstd|lz4js|flatbuffers|wavefile|csv-parse|ws|linkedom)\//;

/** Records every module URL the ESM loader resolves (off-thread hook, reported through a port). */
const HOOKS = `let port;
export async function initialize(data) { port = data.port; }
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  port.postMessage(r.url);
  return r;
}`;

const SCRIPT = `
import { register, createRequire } from 'node:module';
import { MessageChannel } from 'node:worker_threads';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
const { port1, port2 } = new MessageChannel();
const resolved = [];
port1.on('message', (url) => resolved.push(url));
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(HOOKS)}), { data: { port: port2 }, transferList: [port2] });
const settle = () => new Promise((r) => setTimeout(r, 300));
const libs = (list) => [...new Set(list.map((u) => (u.match(${LIBS}) ?? [])[1]).filter(Boolean))].sort();
const cached = () => libs(Object.keys(createRequire(import.meta.url).cache).map((p) => p.replaceAll('\\\\', '/')));
const sf = await import('spikeflow/node');
await settle();
const atImport = { resolved: libs(resolved), required: cached() };
sf.parseAedat4Streams('<dv><node name="outInfo"></node></dv>');
const dir = mkdtempSync(join(tmpdir(), 'sf-lazy-'));
writeFileSync(join(dir, 'a.csv'), 't,a\\n0,1\\n1,2\\n');
for await (const block of sf.readCsvFile(join(dir, 'a.csv'))) void block;
await settle();
const afterUse = { resolved: libs(resolved), required: cached() };
process.stdout.write(JSON.stringify({ atImport, afterUse }));
process.exit(0);
`;

describe('format-only libraries load at first use', () => {
  it('importing spikeflow/node loads none of them; a decoder that needs one loads it', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--conditions=spikeflow-source', '--import', 'tsx', '--input-type=module', '-e', SCRIPT],
      { cwd: root, maxBuffer: 1 << 20 },
    );
    const r = JSON.parse(stdout) as Record<'atImport' | 'afterUse', { resolved: string[]; required: string[] }>;
    expect(r.atImport).toEqual({ resolved: [], required: [] });
    // csv-parse by dynamic import (seen by the hook), linkedom by require at the first AEDAT 4 header
    expect(r.afterUse.resolved).toContain('csv-parse');
    expect(r.afterUse.required).toContain('linkedom');
    expect(r.afterUse.required).not.toContain('fzstd');
  }, 30_000);

  it('no static import path from the spikeflow/node entry reaches them (esbuild metafile)', async () => {
    const result = await build({
      stdin: { contents: "export * from 'spikeflow/node';", resolveDir: root, loader: 'ts' },
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'node',
      conditions: ['spikeflow-source'],
      external: ['gpu.js'],
      metafile: true,
      logLevel: 'silent',
    });
    const inputs: Metafile['inputs'] = result.metafile.inputs;
    const statics = new Set<string>();
    const dynamics = new Set<string>();
    const walk = (path: string): void => {
      if (statics.has(path)) return;
      statics.add(path);
      for (const imp of inputs[path]?.imports ?? []) {
        if (imp.external === true) continue;
        if (imp.kind === 'dynamic-import') dynamics.add(imp.path);
        else walk(imp.path);
      }
    };
    walk('<stdin>');
    expect([...statics].filter((p) => LIBS.test(p))).toEqual([]);
    // they are still there, behind dynamic imports (the browser path of libraries.ts, csv-parse)
    expect([...dynamics].filter((p) => LIBS.test(p)).length).toBeGreaterThanOrEqual(5);
  }, 30_000);

  it('a WAV header read in this process loads wavefile then, and the library is kept', () => {
    const header = new Uint8Array(44);
    const view = new DataView(header.buffer);
    const ascii = (at: number, s: string) => {
      for (let k = 0; k < 4; k++) header[at + k] = s.charCodeAt(k);
    };
    ascii(0, 'RIFF');
    view.setUint32(4, 36, true);
    ascii(8, 'WAVE');
    ascii(12, 'fmt ');
    view.setUint32(16, 16, true);
    view.setUint16(20, 1, true);
    view.setUint16(22, 1, true);
    view.setUint32(24, 8000, true);
    view.setUint32(28, 16000, true);
    view.setUint16(32, 2, true);
    view.setUint16(34, 16, true);
    ascii(36, 'data');
    view.setUint32(40, 0, true);
    const d = wavDecoder();
    d.push(header);
    expect(d.info?.sampleRate).toBe(8000);
    expect(formatLibrary('test', 'wavefile')).toBe(formatLibrary('test', 'wavefile'));
  });
});
