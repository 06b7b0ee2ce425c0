/** The state diagram of a step (`[out, state] = step(x, state)`): boxes, labelled arrows from box to box, in linkedom's DOM. */
import { DOMParser } from 'linkedom';
import { describe, expect, it } from 'vitest';
import { li } from '../../src/neurons/li.js';
import { lif } from '../../src/neurons/lif.js';
import { models } from '../../src/neurons/registry.js';
import '../../src/viz/nodeDocument.js';
import { borderPoint, layoutBoxes, stateDiagram } from '../../src/viz/stateDiagram.js';
import { stepDiagram } from '../../src/viz/stepDiagram.js';

const parse = (svg: string): Document =>
  new DOMParser().parseFromString(`<html><body>${svg}</body></html>`, 'text/html') as unknown as Document;

interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}
const rectOf = (el: Element): Rect => ({
  x: Number(el.getAttribute('x')),
  y: Number(el.getAttribute('y')),
  w: Number(el.getAttribute('width')),
  h: Number(el.getAttribute('height')),
});
/** Whether `(x, y)` lies on the border of `r` (within 0.01 px). */
const onBorder = (r: Rect, x: number, y: number): boolean => {
  const e = 0.01;
  const inX = x >= r.x - e && x <= r.x + r.w + e;
  const inY = y >= r.y - e && y <= r.y + r.h + e;
  return (inX && (Math.abs(y - r.y) < e || Math.abs(y - r.y - r.h) < e)) || (inY && (Math.abs(x - r.x) < e || Math.abs(x - r.x - r.w) < e));
};
const points = (d: string): [number, number][] => [...d.matchAll(/(-?[\d.]+),(-?[\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);

describe('stepDiagram', () => {
  it("draws LIF's step: a box per variable, an arrow per update equation of Norse's lif_feed_forward_step", () => {
    const doc = parse(stepDiagram(lif).toSVG());
    const svg = doc.querySelector('svg.state-diagram')!;
    const boxes = new Map([...doc.querySelectorAll('g.node')].map((g) => [g.getAttribute('data-id')!, g]));
    // input, i and v at step t and t+1, the spikes out
    expect([...boxes.keys()].sort()).toEqual(['i', 'i′', 'v', 'v′', 'x', 'z']);
    expect(boxes.get('x')!.getAttribute('class')).toBe('node input');
    expect(boxes.get('v′')!.getAttribute('class')).toBe('node state');
    expect(boxes.get('z')!.getAttribute('class')).toBe('node output');
    expect(boxes.get('v')!.querySelector('text.name')!.textContent).toBe('v');
    expect(boxes.get('v')!.querySelector('text.note')!.textContent).toBe('membrane voltage, t');
    const edges = [...doc.querySelectorAll('g.edge')].map((g) => ({
      from: g.getAttribute('data-from')!,
      to: g.getAttribute('data-to')!,
      label: g.querySelector('text.label')!.textContent!,
      d: g.querySelector('path')!.getAttribute('d')!,
      marker: g.querySelector('path')!.getAttribute('marker-end'),
    }));
    expect(edges.map((e) => `${e.from}>${e.to}: ${e.label}`)).toEqual([
      'x>i′: + x',
      'i>i′: i′ = i − dt·τsyn⁻¹·i + x',
      'v>v′: v′ = v + dt·τmem⁻¹·(vleak − v + i)',
      'i>v′: drives v',
      'v′>z: z = Θ(v′ − vth), v′ ← vreset if z',
      "v′>v: (i′, v′) is the next step's state",
    ]);
    // every arrow has a head, starts on its source box's border and ends on its target's
    const rects = new Map([...boxes].map(([id, g]) => [id, rectOf(g.querySelector('rect')!)]));
    for (const e of edges) {
      expect(e.marker).toBe('url(#spikeflow-arrow)');
      const p = points(e.d);
      const [x0, y0] = p[0]!;
      expect(onBorder(rects.get(e.from)!, x0, y0), `${e.from}>${e.to} starts at ${x0},${y0}`).toBe(true);
      if (e.d.includes('L')) {
        const [x1, y1] = p[p.length - 1]!;
        expect(onBorder(rects.get(e.to)!, x1, y1), `${e.from}>${e.to} ends at ${x1},${y1}`).toBe(true);
      }
    }
    expect(svg.querySelector('marker#spikeflow-arrow path')).not.toBeNull();
    // the state flows left to right: step t in the left column, t+1 right of it, spikes rightmost
    expect(rects.get('v')!.x).toBeLessThan(rects.get('v′')!.x);
    expect(rects.get('v′')!.x).toBeLessThan(rects.get('z')!.x);
    // no two boxes overlap, and all lie inside the figure
    const W = Number(svg.getAttribute('width'));
    const H = Number(svg.getAttribute('height'));
    const all = [...rects.values()];
    for (const [k, a] of all.entries()) {
      expect(a.x >= 0 && a.y >= 0 && a.x + a.w <= W && a.y + a.h <= H).toBe(true);
      for (const b of all.slice(k + 1)) expect(a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y).toBe(true);
    }
    expect(svg.querySelector('text.title')!.textContent).toContain('[z, state] = lif.step(p, dt)(x, state)');
    expect(svg.getAttribute('data-marks')).toBe('12');
  });

  it("draws LI's step with its output v′ (Norse's li_feed_forward_step), and any model with generic step arrows", () => {
    const doc = parse(stepDiagram(li).toSVG());
    expect([...doc.querySelectorAll('g.edge')].map((g) => `${g.getAttribute('data-from')}>${g.getAttribute('data-to')}`)).toContain(
      'v′>out',
    );
    const adex = models.LIFAdEx!;
    const generic = parse(stepDiagram(adex).toSVG());
    const ids = [...generic.querySelectorAll('g.node')].map((g) => g.getAttribute('data-id'));
    for (const s of adex.stateNames) expect(ids).toEqual(expect.arrayContaining([s, `${s}′`]));
    const labels = [...generic.querySelectorAll('g.edge text.label')].map((t) => t.textContent);
    for (const s of adex.stateNames)
      expect(labels).toContain(`${s}′ = step(${[...adex.stateNames].sort((a, b) => (a === 'i' ? -1 : b === 'i' ? 1 : 0)).join(', ')}, x)`);
  });

  it('puts an arrow end on the border of its box whatever the direction (property of borderPoint)', () => {
    const box = { x: 10, y: 20, w: 100, h: 40 };
    for (let a = 0; a < 360; a += 7) {
      const t = (a * Math.PI) / 180;
      const [x, y] = borderPoint(box, 60 + 500 * Math.cos(t), 40 + 500 * Math.sin(t));
      expect(onBorder(box, x, y), `angle ${a}`).toBe(true);
      // and on the way to the target: in the target's direction from the centre
      expect((x - 60) * Math.cos(t) + (y - 40) * Math.sin(t)).toBeGreaterThan(0);
    }
    const boxes = layoutBoxes(
      [
        { id: 'a', label: 'a', kind: 'state', col: 0, row: 0 },
        { id: 'b', label: 'b', kind: 'state', col: 1, row: 1 },
      ],
      400,
      300,
    );
    expect(boxes.get('a')!.x + boxes.get('a')!.w).toBeLessThan(boxes.get('b')!.x);
  });

  it('rejects unknown ids, kinds and positions, naming the argument', () => {
    const d = stateDiagram().nodes([{ id: 'v', label: 'v', kind: 'state', col: 0, row: 0 }]);
    expect(() => d.edges([{ from: 'v', to: 'w', label: '' }]).toSVG()).toThrow(/edges\[0\]\.to must be the id of a node, received "w"/);
    expect(() =>
      stateDiagram()
        .nodes([{ id: 'v', label: 'v', kind: 'blob' as 'state', col: 0, row: 0 }])
        .toSVG(),
    ).toThrow(/nodes\[0\]\.kind/);
    expect(() =>
      stateDiagram()
        .nodes([{ id: 'v', label: 'v', kind: 'state', col: -1, row: 0 }])
        .toSVG(),
    ).toThrow(/nodes\[0\]\.col must be an integer ≥ 0, received -1/);
    expect(() => stateDiagram().width(0)).toThrow(/width must be a finite number > 0, received 0/);
    expect(() => stepDiagram({} as never)).toThrow(/model must be a neuron model/);
  });
});
