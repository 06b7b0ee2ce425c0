/**
 * Fresh outputs as an ordinary Node program runs them (no `--expose-gc`): `runs` calls of the fused
 * `lif.run` or of a stream (`fromTensor(xs, { chunk: 100 })` through `layer(neuron(lif))`), with an
 * `await` (one event-loop turn) between calls, fresh outputs vs `outputs: 'reuse'`, and fresh
 * outputs with spikeflow's own collections turned off (`collectAfterBytes: 0`, what happened
 * before `src/ops/sharedPressure.ts`). Each case runs in a child process of its own, so that RSS
 * is its own. Prints per case: process CPU and wall time per call over the whole loop (the
 * collections and the event-loop turns included), RSS before → after, the output pool's counts,
 * the load average. Usage: `npm run bench:recycle [-- --sizes 1e3,1e4 --runs 300]`.
 * @module
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const T = 1000;

const child = async (N: number, mode: string, runs: number): Promise<void> => {
  const { configureOutputPool, fromTensor, fromTypedArray, layer, lif, neuron, outputPoolStats } = await import('../src/node.js');
  const { lastValueFrom } = await import('rxjs');
  if (mode.endsWith('-off')) configureOutputPool({ collectAfterBytes: 0 });
  const reuse = mode.includes('reuse');
  const options = reuse ? { outputs: 'reuse' as const } : {};
  const raw = new Float32Array(T * N);
  let s = 1;
  for (let k = 0; k < raw.length; k++) {
    s = (s * 1103515245 + 12345) >>> 0;
    raw[k] = (s / 2 ** 32) * 0.6;
  }
  const xs = fromTypedArray(raw, [T, 1, N]);
  const fused = lif.run({}, 0.001, options);
  const op = layer(neuron(lif, {}, 0.001, options));
  const once = async (): Promise<void> => {
    if (mode.startsWith('stream')) await lastValueFrom(fromTensor(xs, { chunk: 100 }).pipe(op));
    else fused(xs);
  };
  const turn = () => new Promise((r) => setImmediate(r));
  for (let i = 0; i < 20; i++) {
    await once();
    await turn();
  }
  const rss0 = process.memoryUsage().rss;
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  for (let i = 0; i < runs; i++) {
    await once();
    await turn();
  }
  const c = process.cpuUsage(c0);
  const st = outputPoolStats();
  const mb = (b: number) => (b / 2 ** 20).toFixed(0);
  console.log(
    `| ${N} | ${mode} | ${((c.user + c.system) / 1000 / runs).toFixed(2)} | ${((performance.now() - w0) / runs).toFixed(2)} | ${mb(rss0)} → ${mb(process.memoryUsage().rss)} | ${st.recycled} / ${st.pooled} | ${st.collections} (${st.collectionMs.toFixed(0)} ms) |`,
  );
};

const main = (): void => {
  const { values } = parseArgs({ options: { sizes: { type: 'string', default: '1e3,1e4' }, runs: { type: 'string', default: '300' } } });
  const sizes = (values.sizes ?? '').split(',').map(Number);
  const runs = Number(values.runs);
  const load = () =>
    loadavg()
      .map((x) => x.toFixed(2))
      .join(' ');
  console.log(`recycle bench: T = ${T}, batch 1, ${runs} calls with an await between, Node ${process.version}, load ${load()}`);
  console.log('| N | case | CPU ms/call | wall ms/call | RSS MB before → after | pool recycled / new | collections |');
  console.log('| ---: | --- | ---: | ---: | --- | ---: | ---: |');
  const self = fileURLToPath(import.meta.url);
  for (const N of sizes) {
    for (const mode of ['fused-fresh', 'fused-reuse', 'fused-fresh-off', 'stream-fresh', 'stream-reuse', 'stream-fresh-off']) {
      const r = spawnSync(process.execPath, ['--import', 'tsx', self, '--child', String(N), mode, String(runs)], { encoding: 'utf8' });
      process.stdout.write(r.status === 0 ? r.stdout : `| ${N} | ${mode} | failed: ${r.stderr.trim().split('\n').pop()} |\n`);
    }
  }
  console.log(`load after: ${load()}`);
};

const k = process.argv.indexOf('--child');
if (k >= 0) await child(Number(process.argv[k + 1]), process.argv[k + 2] as string, Number(process.argv[k + 3]));
else main();
