/**
 * The Node versions of the tutorial steps (examples/tutorial/0N-*.ts) run as scripts; their printed
 * values are checked against figures derived by hand from the equations in the comments below.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');

/**
 * Runs one tutorial script with Node + tsx and returns its stdout lines. The scripts import
 * `spikeflow` by name; the `spikeflow-source` condition resolves the entries to the sources.
 */
const script = async (name: string): Promise<string[]> => {
  const { stdout, stderr } = await run(
    process.execPath,
    ['--conditions=spikeflow-source', '--import', 'tsx', resolve(root, 'examples/tutorial', name)],
    { cwd: root },
  );
  expect(stderr).toBe('');
  return stdout.trimEnd().split('\n');
};

/** Parses "a, b, c" or "a b c" into numbers. */
const numbers = (s: string): number[] =>
  s
    .split(/[,\s]+/)
    .filter((x) => x !== '')
    .map(Number);

/*
 * LIF with Norse's defaults and dt = 1 ms: dt·τ_mem⁻¹ = 0.001·100 = 0.1, dt·τ_syn⁻¹ = 0.001·200 = 0.2,
 * v_leak = v_reset = 0, v_th = 1. One step with input x:
 *   i_j = i + x;  v' = v + 0.1·(0 − v + i_j);  i' = i_j − 0.2·i_j = 0.8·i_j;  spike when v' > 1.
 * Under a constant input of 0.3, starting from v = i = 0:
 *   step 1: i_j = 0.3            v1 = 0 + 0.1·(0.3)                 = 0.03      i1 = 0.24
 *   step 2: i_j = 0.24 + 0.3 = 0.54   v2 = 0.03 + 0.1·(0.54 − 0.03)    = 0.081     i2 = 0.432
 *   step 3: i_j = 0.732         v3 = 0.081 + 0.1·(0.732 − 0.081)    = 0.1461    i3 = 0.5856
 *   step 4: i_j = 0.8856        v4 = 0.1461 + 0.1·(0.8856 − 0.1461) = 0.22005   i4 = 0.70848
 *   step 5: i_j = 1.00848       v5 = 0.22005 + 0.1·(1.00848 − 0.22005) = 0.298893  i5 = 0.806784
 * Under input 0.1 every value is a third of that: v1..v5 = 0.01, 0.027, 0.0487, 0.07335, 0.0996310.
 * The current converges to i_j → x / (1 − 0.8) = 5x and the voltage rises monotonically towards 5x:
 * below threshold for x ≤ 0.2 (never spikes), above for x = 0.3 (v → 1.5) and 0.4 (v → 2).
 */
const hand03 = [0.03, 0.081, 0.1461, 0.22005, 0.298893];
const handI03 = [0.24, 0.432, 0.5856, 0.70848, 0.806784];
const hand01 = [0.01, 0.027, 0.0487, 0.07335, 0.099631];

/**
 * The same equations in float64, as an independent oracle for spike times further than 5 steps
 * (written here from the equations above, not from the library).
 */
const oracleSpikes = (x: number, steps: number): number[] => {
  let v = 0;
  let i = 0;
  const out: number[] = [];
  for (let t = 0; t < steps; t++) {
    const ij = i + x;
    v = v + 0.1 * (0 - v + ij);
    i = 0.8 * ij;
    if (v > 1) {
      out.push(t);
      v = 0;
    }
  }
  return out;
};

describe('tutorial step 1: tensors and shapes', () => {
  it('prints a vector, a matrix, a 2×2×2 tensor and their shapes', async () => {
    const lines = await script('01-tensors.ts');
    expect(lines).toContain('tensor([1, 2], shape=[2], dtype=float32)');
    expect(lines).toContain('tensor([[1, 2], [3, 4]], shape=[2, 2], dtype=float32)');
    expect(lines).toContain('tensor([[[1, 2], [3, 4]], [[5, 6], [7, 8]]], shape=[2, 2, 2], dtype=float32)');
    expect(lines).toContain('v.shape = [2]');
    expect(lines).toContain('m.shape = [2, 2]');
    expect(lines).toContain('t.shape = [2, 2, 2]');
    // two rows of three columns, as torch.Size([2, 3]) in the seed notebook
    expect(lines).toContain('tensor([[1, 2, 3], [4, 5, 6]]).shape = [2, 3]');
  });
});

describe('tutorial step 2: linear map and ReLU in sequence', () => {
  it('prints ReLU, a hand-checkable linear map and Linear → ReLU', async () => {
    const lines = await script('02-linear-relu.ts');
    // max(0, -1) = 0, max(0, 1) = 1
    expect(lines).toContain('relu([-1, 1]) = tensor([0, 1], shape=[2], dtype=float32)');
    // 0.5·(−1) + 0.25·0.4 + 0.1 = −0.5 + 0.1 + 0.1 = −0.3
    const mapped = lines.find((l) => l.startsWith('linear([-1, 0.4])'))!;
    expect(Number(/tensor\(\[([^\]]+)\]/.exec(mapped)![1])).toBeCloseTo(-0.3, 6);
    expect(lines).toContain('random weight shape [1, 2], bias shape [1]');
    // W·[-2, 3] = [-2, 3, -2 + 3] = [-2, 3, 1]; ReLU → [0, 3, 1]
    expect(lines).toContain('Sequential(Linear, ReLU)([-2, 3]) = tensor([0, 3, 1], shape=[3], dtype=float32)');
  });
});

describe('tutorial step 3: a LIF neuron stepped with explicit state', () => {
  it('prints the hand-derived voltages and currents of the first five steps under 0.3', async () => {
    const lines = await script('03-lif-step.ts');
    expect(lines).toHaveLength(5);
    lines.forEach((line, k) => {
      const m = /^step (\d+): z = (\d), v = ([\d.]+), i = ([\d.]+)$/.exec(line);
      expect(m, line).not.toBeNull();
      expect(Number(m![1])).toBe(k + 1);
      expect(Number(m![2])).toBe(0); // v stays below 1 in the first five steps
      expect(Number(m![3])).toBeCloseTo(hand03[k]!, 6);
      expect(Number(m![4])).toBeCloseTo(handI03[k]!, 6);
    });
  });
});

describe('tutorial step 4: the voltage under the slider current', () => {
  it('stays below threshold at 0.1 and spikes and resets at 0.3 and 0.4', async () => {
    const lines = await script('04-voltage-slider.ts');
    const parse = (current: string) => {
      const line = lines.find((l) => l.startsWith(`input ${current}:`))!;
      const m = /peak v = ([\d.]+), spikes at steps \[([^\]]*)\], v\[0\.\.4\] = (.*)$/.exec(line)!;
      return { peak: Number(m[1]), spikes: numbers(m[2]!), first: numbers(m[3]!) };
    };
    const low = parse('0.10');
    expect(low.spikes).toEqual([]);
    for (const [k, v] of low.first.entries()) expect(v).toBeCloseTo(hand01[k]!, 6);
    // v rises monotonically towards 5·0.1 = 0.5 and reaches it to 4 decimals within 100 steps
    expect(low.peak).toBeLessThanOrEqual(0.5);
    expect(low.peak).toBeGreaterThan(0.49);

    const mid = parse('0.30');
    for (const [k, v] of mid.first.entries()) expect(v).toBeCloseTo(hand03[k]!, 6);
    expect(mid.spikes).toEqual(oracleSpikes(0.3, 100));

    const high = parse('0.40');
    expect(high.spikes.length).toBeGreaterThan(mid.spikes.length);
    expect(high.spikes).toEqual(oracleSpikes(0.4, 100));
    // the plotted voltage is after reset: it never exceeds the threshold
    expect(high.peak).toBeLessThan(1);
  });
});

describe('tutorial step 5: a LIF layer over [100, 1] of 0.3', () => {
  it('prints the shapes and the spike steps of the equations', async () => {
    const lines = await script('05-lif-layer.ts');
    expect(lines[0]).toBe('input shape [100, 1], first values 0.3,0.3,0.3');
    expect(lines[1]).toBe('output shape [100, 1], final state shapes v [1], i [1]');
    const m = /^(\d+) spikes, at steps (.*)$/.exec(lines[2]!)!;
    const expected = oracleSpikes(0.3, 100);
    expect(Number(m[1])).toBe(expected.length);
    expect(numbers(m[2]!)).toEqual(expected);
    // the text raster: '|' exactly at the spike steps, 50 steps per line
    const raster = lines.slice(3).join('');
    expect(raster).toHaveLength(100);
    expect([...raster].flatMap((c, t) => (c === '|' ? [t] : []))).toEqual(expected);
  });
});

describe('tutorial step 6: scaling up to a raster', () => {
  it('keeps neurons with current ≤ 0.2 silent and fires more under stronger currents', async () => {
    const lines = await script('06-scaling-up.ts');
    expect(lines[0]).toBe('input [200, 1, 100] → spikes [200, 1, 100]');
    // neuron n gets 0.5·n/99; 5x ≤ 1 ⇔ n ≤ 39.6, so neurons 0…39 (40 of them) never reach the threshold,
    // and every neuron above crosses it within 200 steps (the oracle says when)
    const silent = Array.from({ length: 100 }, (_, n) => oracleSpikes((0.5 * n) / 99, 200).length).filter((c) => c === 0).length;
    expect(silent).toBe(40);
    const m = /^(\d+) neurons stayed silent; the busiest fired (\d+) times in 200 steps$/.exec(lines[1]!)!;
    expect(Number(m[1])).toBe(40);
    expect(Number(m[2])).toBe(oracleSpikes(0.5, 200).length);
    // raster rows: strongest current first; spike marks per row never increase as the current drops
    const rows = lines.slice(2).map((l) => {
      const [current, row] = l.split(' ');
      return { current: Number(current), marks: [...row!].filter((c) => c === '|').length };
    });
    expect(rows).toHaveLength(10);
    expect(rows[0]!.current).toBeCloseTo(0.5, 6);
    for (let k = 1; k < rows.length; k++) expect(rows[k]!.marks).toBeLessThanOrEqual(rows[k - 1]!.marks);
    expect(rows.filter((r) => r.current <= 0.2).every((r) => r.marks === 0)).toBe(true);
  });
});

describe('examples/README.md', () => {
  it('its tutorial command lines run as written in a clone without a build (the scripts import spikeflow by name)', async () => {
    const readme = readFileSync(resolve(root, 'examples/README.md'), 'utf8');
    const lines = [...readme.matchAll(/^npx tsx (.*examples\/tutorial\/0\d-[\w-]+\.ts)/gm)].map((m) => (m[1] as string).split(/\s+/));
    expect(lines).toHaveLength(6);
    // without the condition, Node looks for dist/index.js (absent in a clone until `npm run build`)
    for (const args of lines) expect(args).toContain('--conditions=spikeflow-source');
    const first = lines[0] as string[];
    const { stdout } = await run(process.execPath, ['--import', 'tsx', ...first], { cwd: root });
    expect(stdout).toMatch(/\.shape = \[2, 3\]/);
  });
});
