/** Test helpers for the viz sinks: parse SVG strings and read marks and axes. */
import { DOMParser } from 'linkedom';
import { fromTypedArray, type Tensor } from '../../src/ops/tensor.js';

export const parseSVG = (svg: string): Element => {
  const doc = new DOMParser().parseFromString(svg, 'image/svg+xml') as unknown as Document;
  const root = doc.documentElement;
  if (root === null || root.localName !== 'svg') throw new Error(`not an SVG document: ${svg.slice(0, 80)}`);
  return root;
};

export const all = (root: Element, selector: string): Element[] => Array.from(root.querySelectorAll(selector));

export const num = (el: Element, name: string): number => {
  const v = el.getAttribute(name);
  if (v === null) throw new Error(`missing attribute ${name} on <${el.localName} class="${el.getAttribute('class')}">`);
  return Number(v);
};

/** The `data-domain` of an axis (`x` or `y`) as two numbers. */
export const domainOf = (root: Element, axis: 'x' | 'y'): number[] => {
  const g = root.querySelector(`g.axis.${axis}`);
  if (g === null) throw new Error(`no ${axis} axis`);
  return (g.getAttribute('data-domain') ?? '').split(',').map(Number);
};

/** Tick label texts of an axis. */
export const tickLabels = (root: Element, axis: 'x' | 'y'): string[] =>
  all(root, `g.axis.${axis} g.tick text`).map((t) => t.textContent ?? '');

/** A `[T, batch, N]` float32 tensor from a `(t, b, n) => value` function. */
export const chunk = (T: number, B: number, N: number, f: (t: number, b: number, n: number) => number): Tensor => {
  const d = new Float32Array(T * B * N);
  for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) for (let n = 0; n < N; n++) d[(t * B + b) * N + n] = f(t, b, n);
  return fromTypedArray(d, [T, B, N]);
};

/** Plot-area size for a chart of the given size and margins. */
export const plotArea = (width: number, height: number, m: { top: number; right: number; bottom: number; left: number }) => ({
  pw: width - m.left - m.right,
  ph: height - m.top - m.bottom,
});

/** Sorted copy of pairs, for comparing sets of coordinates. */
export const sortPairs = (pairs: [number, number][]): [number, number][] => [...pairs].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
