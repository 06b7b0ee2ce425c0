/** Data augmentation of the MNIST task: random shifts of the training digits (shiftImages, mnistTask's `shift`). */
import { describe, expect, it } from 'vitest';
import { shiftImages, uniformSource } from '../../src/training/data.js';
import { mnistTask } from '../../src/training/mnistTask.js';
import { expectArgumentError } from '../expect.js';

/** A source that returns the given numbers in turn. */
const fixed = (...u: number[]) => {
  let k = 0;
  return { next: () => u[k++ % u.length] as number };
};

/** A 4×4 image with one bright pixel at (y, x). */
const dot = (y: number, x: number): Float32Array => {
  const img = new Float32Array(16);
  img[y * 4 + x] = 1;
  return img;
};

const where = (img: Float32Array, P: number, row: number): [number, number][] => {
  const out: [number, number][] = [];
  for (let p = 0; p < P; p++) if (img[row * P + p] !== 0) out.push([Math.floor(p / 4), p % 4]);
  return out;
};

describe('shiftImages', () => {
  it('moves a pixel by dx = ⌊u·(2s+1)⌋ − s, dy likewise (x drawn first)', () => {
    // s = 1: u = 0 → −1, u = 0.5 → 0, u = 0.99 → +1
    expect(where(shiftImages(dot(1, 1), 4, 4, [0], 1, fixed(0, 0)), 16, 0)).toEqual([[0, 0]]);
    expect(where(shiftImages(dot(1, 1), 4, 4, [0], 1, fixed(0.99, 0.5)), 16, 0)).toEqual([[1, 2]]);
    expect(where(shiftImages(dot(1, 1), 4, 4, [0], 1, fixed(0.5, 0.99)), 16, 0)).toEqual([[2, 1]]);
    // s = 2, u = 0.99 → +2 in both
    expect(where(shiftImages(dot(0, 0), 4, 4, [0], 2, fixed(0.99)), 16, 0)).toEqual([[2, 2]]);
  });

  it('drops pixels moved out of the frame and fills the vacated edge with 0', () => {
    expect(where(shiftImages(dot(0, 3), 4, 4, [0], 1, fixed(0.99, 0.5)), 16, 0)).toEqual([]);
    const full = new Float32Array(16).fill(1);
    const out = shiftImages(full, 4, 4, [0], 1, fixed(0, 0));
    // moved up-left: the last row and column are empty, the 3×3 rest is 1
    expect(out.reduce((a, b) => a + b, 0)).toBe(9);
    expect([out[3], out[7], out[11], out[12], out[15]]).toEqual([0, 0, 0, 0, 0]);
  });

  it('maxShift 0 copies the rows unchanged, in the order of indices', () => {
    const images = new Float32Array(32).map((_, k) => k / 32);
    const out = shiftImages(images, 4, 4, [1, 0], 0, uniformSource(1));
    expect(Array.from(out)).toEqual([...Array.from(images.subarray(16)), ...Array.from(images.subarray(0, 16))]);
  });

  it('draws every offset of −s…s about equally often (seeded)', () => {
    const counts = new Map<string, number>();
    const rng = uniformSource(7);
    for (let k = 0; k < 4500; k++) {
      const [[y, x]] = where(shiftImages(dot(1, 1), 4, 4, [0], 1, rng), 16, 0) as [[number, number]];
      counts.set(`${y},${x}`, (counts.get(`${y},${x}`) ?? 0) + 1);
    }
    expect(counts.size).toBe(9);
    // 500 expected each; binomial σ ≈ 21
    for (const c of counts.values()) expect(Math.abs(c - 500)).toBeLessThan(100);
  });

  it('rejects a bad maxShift, size or index by name', () => {
    expectArgumentError(() => shiftImages(dot(0, 0), 4, 4, [0], -1, uniformSource(1)), 'maxShift', /received -1/);
    expectArgumentError(() => shiftImages(dot(0, 0), 4, 4, [0], 1.5, uniformSource(1)), 'maxShift');
    expectArgumentError(() => shiftImages(dot(0, 0), 0, 4, [0], 1, uniformSource(1)), 'height');
    expectArgumentError(() => shiftImages(dot(0, 0), 4, 4, [1], 1, uniformSource(1)), 'indices', /\[0, 1\)/);
  });
});

describe("mnistTask's shift option", () => {
  // 40 random 28×28 "digits", labels 0…9
  const rng = uniformSource(3);
  const digits = {
    images: Float32Array.from({ length: 40 * 784 }, () => (rng.next() < 0.2 ? rng.next() : 0)),
    labels: Int32Array.from({ length: 40 }, (_, k) => k % 10),
  };
  const options = { trainSize: 30, testSize: 10, encoding: 'current', steps: 2, shift: 0 } as const;

  it('moves the training digits only: test batches equal those without shifts', () => {
    const plain = mnistTask(digits, options);
    const moved = mnistTask(digits, { ...options, shift: 2 });
    const idx = Int32Array.from({ length: 10 }, (_, k) => k);
    expect(Array.from(moved.testSet.batch(idx).xs.data)).toEqual(Array.from(plain.testSet.batch(idx).xs.data));
    const a = plain.trainSet.batch(idx);
    const b = moved.trainSet.batch(idx);
    expect(Array.from(b.targets)).toEqual(Array.from(a.targets));
    expect(Array.from(b.xs.data)).not.toEqual(Array.from(a.xs.data));
    // a shift keeps the pixel values (a 28×28 frame; some pixels leave it): every moved value is one of the row's
    const values = new Set(Array.from(a.xs.data.subarray(0, 784)));
    for (const v of b.xs.data.subarray(0, 784)) expect(values.has(v)).toBe(true);
  });

  it('refuses shifts of features that are not a square image', () => {
    const flat = { images: new Float32Array(40 * 10), labels: digits.labels };
    expectArgumentError(() => mnistTask(flat, { ...options, shift: 1 }), 'shift', /received 10 features/);
    // the default (1 px) too: such data asks for shift 0
    expectArgumentError(() => mnistTask(flat, { trainSize: 30, testSize: 10 }), 'shift', /give shift 0/);
    expect(() => mnistTask(flat, options)).not.toThrow();
  });
});

describe("mnistTask's options", () => {
  const digits = { images: new Float32Array(40 * 784), labels: Int32Array.from({ length: 40 }, (_, k) => k % 10) };
  const ok = { trainSize: 30, testSize: 10, steps: 2 } as const;

  it('refuses each bad option by name, with the value received', () => {
    expectArgumentError(
      () => mnistTask(digits, { ...ok, trainSize: 31 }),
      'trainSize',
      /trainSize \+ testSize must be ≤ 40 digits, received 31 \+ 10/,
    );
    for (const k of ['trainSize', 'testSize', 'hidden', 'steps', 'epochs', 'batchSize'] as const) {
      expectArgumentError(() => mnistTask(digits, { ...ok, [k]: 0 }), k, new RegExp(`${k} must be a positive integer, received 0`));
      expectArgumentError(() => mnistTask(digits, { ...ok, [k]: 2.5 }), k, /received 2\.5/);
    }
    expectArgumentError(() => mnistTask(digits, { ...ok, seed: -1 }), 'seed', /received -1/);
    expectArgumentError(() => mnistTask(digits, { ...ok, shift: 0.5 }), 'shift', /received 0\.5/);
    expectArgumentError(() => mnistTask(digits, { ...ok, encoding: 'rank' as never }), 'encoding', /"poisson"/);
    expectArgumentError(() => mnistTask(digits, { ...ok, rate: 1.5 }), 'rate', /rate must be a number in \(0, 1\], received 1\.5/);
    expectArgumentError(() => mnistTask(digits, { ...ok, rate: 0 }), 'rate', /received 0/);
    expectArgumentError(() => mnistTask(digits, { ...ok, lr: Number.NaN }), 'lr', /received NaN/);
    expectArgumentError(() => mnistTask(digits, { ...ok, inputGain: -1 }), 'inputGain', /received -1/);
    expectArgumentError(() => mnistTask(digits, { ...ok, hiden: 8 } as never), 'options', /unknown option "hiden"/);
    expect(() => mnistTask(digits, { ...ok, rate: 1, shift: 0, seed: 0 })).not.toThrow();
  });
});
