/**
 * A box-and-arrow diagram of one step of a neuron model, `[out, state] = step(x, state)` (Norse's
 * "output, state = module(input, state)" figure): a box per variable (the input, each state variable
 * before and after the step, the output) and an arrow per dependency, labelled with its update
 * equation. Drawn with d3-selection into SVG, on a page (`stateDiagram()(element)`) or as a
 * standalone SVG string in Node (`toSVG()`). {@link stepDiagram} gives the diagram of a model.
 *
 * Layout: boxes sit on a grid of `cols × rows` cells (a node's `col`, `row`); an arrow runs between
 * the borders of its two boxes, straight, or bent around the boxes when `route: 'below'` (the state
 * fed back to the next step); its label sits at its middle on a white ground.
 * @module
 */
import { type Selection, select } from 'd3';
import { SpikeflowError, show } from '../ops/errors.js';
import { checkPositive, checkString, resolveTarget } from './checks.js';
import { createSVGDocument, SVG_NS, serializeSVG } from './document.js';
import type { AttachTarget } from './types.js';

/** What a box stands for: the step's input, a state variable (before or after the step), the output. */
export type DiagramNodeKind = 'input' | 'state' | 'output';

/** A box of the diagram. */
export interface DiagramNode {
  /** Unique id, used by edges. */
  readonly id: string;
  /** The variable's name, shown large (e.g. `v`). */
  readonly label: string;
  /** A line under the name (e.g. `membrane voltage, step t`). */
  readonly note?: string;
  readonly kind: DiagramNodeKind;
  /** Grid column and row (integers ≥ 0). */
  readonly col: number;
  readonly row: number;
}

/** An arrow: `to` is computed from `from` by the equation `label`. */
export interface DiagramEdge {
  readonly from: string;
  readonly to: string;
  /** The update equation (or what the arrow does), shown at the arrow's middle. */
  readonly label: string;
  /** `straight` (default) or `below`: down, along under every box, and up (the state carried to the next step). */
  readonly route?: 'straight' | 'below';
  readonly dashed?: boolean;
}

/** The state-diagram component; accessors chain as in d3. */
export interface StateDiagram {
  /** Draws (or redraws) the diagram into `target` (an element or a d3 selection of one). */
  (target: AttachTarget): StateDiagram;
  nodes(): readonly DiagramNode[];
  nodes(v: readonly DiagramNode[]): StateDiagram;
  edges(): readonly DiagramEdge[];
  edges(v: readonly DiagramEdge[]): StateDiagram;
  /** Figure size in CSS pixels (default 720 × 360). */
  width(): number;
  width(v: number): StateDiagram;
  height(): number;
  height(v: number): StateDiagram;
  title(): string;
  title(v: string): StateDiagram;
  /** The diagram as a standalone SVG string (white background). */
  toSVG(): string;
}

const FILL: Record<DiagramNodeKind, string> = { input: '#e8f0fe', state: '#fff4e0', output: '#e6f4ea' };
const STROKE: Record<DiagramNodeKind, string> = { input: '#2f6fde', state: '#b26a00', output: '#1e8e3e' };
const KINDS: readonly DiagramNodeKind[] = ['input', 'state', 'output'];
const TOP = 34; // room for the title
const PAD = 12;
const BELOW = 34; // room for arrows routed below the boxes

/** A box's rectangle in pixels. */
export interface Box {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

const check = (nodes: readonly DiagramNode[], edges: readonly DiagramEdge[]): void => {
  const ids = new Set<string>();
  nodes.forEach((n, k) => {
    if (typeof n?.id !== 'string' || ids.has(n.id)) {
      throw new SpikeflowError('stateDiagram', `nodes[${k}].id`, `nodes[${k}].id must be a unique string, received ${show(n?.id)}`);
    }
    ids.add(n.id);
    if (!KINDS.includes(n.kind)) {
      throw new SpikeflowError(
        'stateDiagram',
        `nodes[${k}].kind`,
        `nodes[${k}].kind must be one of ${KINDS.join(', ')}, received ${show(n.kind)}`,
      );
    }
    for (const key of ['col', 'row'] as const) {
      if (!Number.isInteger(n[key]) || n[key] < 0) {
        throw new SpikeflowError(
          'stateDiagram',
          `nodes[${k}].${key}`,
          `nodes[${k}].${key} must be an integer ≥ 0, received ${show(n[key])}`,
        );
      }
    }
  });
  edges.forEach((e, k) => {
    for (const end of ['from', 'to'] as const) {
      if (!ids.has(e?.[end])) {
        throw new SpikeflowError(
          'stateDiagram',
          `edges[${k}].${end}`,
          `edges[${k}].${end} must be the id of a node, received ${show(e?.[end])}`,
        );
      }
    }
  });
};

/** The boxes of `nodes` in a `width × height` figure: each grid cell less a margin. */
export const layoutBoxes = (nodes: readonly DiagramNode[], width: number, height: number): Map<string, Box> => {
  const cols = 1 + Math.max(0, ...nodes.map((n) => n.col));
  const rows = 1 + Math.max(0, ...nodes.map((n) => n.row));
  const cw = (width - 2 * PAD) / cols;
  const ch = (height - TOP - PAD - BELOW) / rows;
  // wide enough for the longest note (10 px sans-serif, about 5.6 px a character), at most 90 % of a cell
  const longest = Math.max(0, ...nodes.map((n) => Math.max(n.label.length * 1.6, (n.note ?? '').length)));
  const w = Math.min(cw * 0.9, Math.max(90, longest * 5.6 + 16));
  const h = Math.min(54, ch * 0.6);
  return new Map(nodes.map((n) => [n.id, { x: PAD + (n.col + 0.5) * cw - w / 2, y: TOP + (n.row + 0.5) * ch - h / 2, w, h }]));
};

/** Where the segment from `b`'s centre towards `(tx, ty)` leaves `b`'s border. */
export const borderPoint = (b: Box, tx: number, ty: number): [number, number] => {
  const cx = b.x + b.w / 2;
  const cy = b.y + b.h / 2;
  const dx = tx - cx;
  const dy = ty - cy;
  if (dx === 0 && dy === 0) return [cx, cy];
  const s = Math.min(dx === 0 ? Infinity : b.w / 2 / Math.abs(dx), dy === 0 ? Infinity : b.h / 2 / Math.abs(dy));
  return [cx + dx * s, cy + dy * s];
};

/** An edge's path (`d`) and the point its label sits at. */
const route = (e: DiagramEdge, a: Box, b: Box, bottom: number): { d: string; lx: number; ly: number } => {
  if (e.route === 'below') {
    const x0 = a.x + a.w / 2;
    const x1 = b.x + b.w / 2;
    return { d: `M${x0},${a.y + a.h} V${bottom} H${x1} V${b.y + b.h}`, lx: (x0 + x1) / 2, ly: bottom };
  }
  const [x0, y0] = borderPoint(a, b.x + b.w / 2, b.y + b.h / 2);
  const [x1, y1] = borderPoint(b, a.x + a.w / 2, a.y + a.h / 2);
  // a horizontal arrow's label sits just above it (the arrow stays visible); others' on their middle
  const above = Math.abs(y1 - y0) < 1 ? 10 : 0;
  return { d: `M${x0},${y0} L${x1},${y1}`, lx: (x0 + x1) / 2, ly: (y0 + y1) / 2 - above };
};

/** Draws the diagram into `svg` (a data join: drawing again updates it). */
const render = (
  svg: Selection<SVGSVGElement, unknown, null, undefined>,
  s: { nodes: readonly DiagramNode[]; edges: readonly DiagramEdge[]; width: number; height: number; title: string },
  standalone: boolean,
): void => {
  const boxes = layoutBoxes(s.nodes, s.width, s.height);
  const bottom = s.height - BELOW / 2 - 4;
  svg
    .attr('class', 'spikeflow state-diagram')
    .attr('width', s.width)
    .attr('height', s.height)
    .attr('viewBox', `0 0 ${s.width} ${s.height}`)
    .attr('font-family', 'sans-serif')
    .attr('font-size', 11)
    .attr('data-marks', s.nodes.length + s.edges.length);
  svg
    .selectAll('rect.background')
    .data(standalone ? [0] : [])
    .join('rect')
    .attr('class', 'background')
    .attr('width', s.width)
    .attr('height', s.height)
    .attr('fill', 'white');
  svg
    .selectAll('defs')
    .data([0])
    .join((enter) => {
      const defs = enter.append('defs');
      defs
        .append('marker')
        .attr('id', 'spikeflow-arrow')
        .attr('viewBox', '0 0 10 10')
        .attr('refX', 9)
        .attr('refY', 5)
        .attr('markerWidth', 7)
        .attr('markerHeight', 7)
        .attr('orient', 'auto')
        .append('path')
        .attr('d', 'M0,0 L10,5 L0,10 z')
        .attr('fill', '#444');
      return defs;
    });
  svg
    .selectAll('text.title')
    .data([s.title])
    .join('text')
    .attr('class', 'title')
    .attr('x', PAD)
    .attr('y', 20)
    .attr('font-size', 13)
    .attr('font-weight', 'bold')
    .text((t) => t);

  const edges = svg
    .selectAll<SVGGElement, DiagramEdge>('g.edge')
    .data(s.edges)
    .join((enter) => {
      const g = enter.append('g').attr('class', 'edge');
      g.append('path').attr('fill', 'none').attr('stroke', '#444').attr('stroke-width', 1.4).attr('marker-end', 'url(#spikeflow-arrow)');
      g.append('rect').attr('class', 'label-ground').attr('fill', 'white').attr('opacity', 0.9);
      g.append('text').attr('class', 'label').attr('text-anchor', 'middle').attr('dy', '0.32em');
      return g;
    })
    .attr('data-from', (e) => e.from)
    .attr('data-to', (e) => e.to);
  const geometry = (e: DiagramEdge) => route(e, boxes.get(e.from) as Box, boxes.get(e.to) as Box, bottom);
  edges
    .select('path')
    .attr('d', (e) => geometry(e).d)
    .attr('stroke-dasharray', (e) => (e.dashed === true ? '5 4' : null));
  // label ground: about 6 px a character (the font is 11 px sans-serif)
  edges
    .select('rect.label-ground')
    .attr('x', (e) => geometry(e).lx - e.label.length * 3.1 - 3)
    .attr('y', (e) => geometry(e).ly - 8)
    .attr('width', (e) => e.label.length * 6.2 + 6)
    .attr('height', 16);
  edges
    .select('text.label')
    .attr('x', (e) => geometry(e).lx)
    .attr('y', (e) => geometry(e).ly)
    .text((e) => e.label);

  const nodes = svg
    .selectAll<SVGGElement, DiagramNode>('g.node')
    .data(s.nodes, (n) => n.id)
    .join((enter) => {
      const g = enter.append('g');
      g.append('rect').attr('rx', 6).attr('stroke-width', 1.5);
      g.append('text').attr('class', 'name').attr('text-anchor', 'middle').attr('font-size', 15).attr('font-weight', 'bold');
      g.append('text').attr('class', 'note').attr('text-anchor', 'middle').attr('font-size', 10).attr('fill', '#555');
      return g;
    })
    .attr('class', (n) => `node ${n.kind}`)
    .attr('data-id', (n) => n.id);
  const box = (n: DiagramNode): Box => boxes.get(n.id) as Box;
  nodes
    .select('rect')
    .attr('x', (n) => box(n).x)
    .attr('y', (n) => box(n).y)
    .attr('width', (n) => box(n).w)
    .attr('height', (n) => box(n).h)
    .attr('fill', (n) => FILL[n.kind])
    .attr('stroke', (n) => STROKE[n.kind]);
  nodes
    .select('text.name')
    .attr('x', (n) => box(n).x + box(n).w / 2)
    .attr('y', (n) => box(n).y + box(n).h / 2 + (n.note === undefined ? 5 : -1))
    .text((n) => n.label);
  nodes
    .select('text.note')
    .attr('x', (n) => box(n).x + box(n).w / 2)
    .attr('y', (n) => box(n).y + box(n).h / 2 + 13)
    .text((n) => n.note ?? '');
  nodes.raise(); // boxes over the arrows' ends
};

/**
 * Creates a state diagram (see the module docs). Errors: SpikeflowError for duplicate or unknown
 * ids, unknown kinds, grid positions that are not integers ≥ 0, sizes that are not > 0, and a
 * target that is not an element.
 */
export const stateDiagram = (): StateDiagram => {
  const s = { nodes: [] as readonly DiagramNode[], edges: [] as readonly DiagramEdge[], width: 720, height: 360, title: '' };
  const chart = ((target: AttachTarget) => {
    const host = resolveTarget('stateDiagram', target);
    check(s.nodes, s.edges);
    let svg = Array.from(host.children).find((c) => c.localName === 'svg' && c.classList.contains('state-diagram'));
    if (svg === undefined) {
      svg = host.ownerDocument.createElementNS(SVG_NS, 'svg');
      host.appendChild(svg);
    }
    render(select(svg as SVGSVGElement), s, false);
    return chart;
  }) as StateDiagram;
  const accessor =
    <K extends keyof typeof s>(key: K, checkValue: (v: unknown) => (typeof s)[K]) =>
    (...args: unknown[]) => {
      if (args.length === 0) return s[key];
      s[key] = checkValue(args[0]);
      return chart;
    };
  const list = (argument: string) => (v: unknown) => {
    if (!Array.isArray(v)) throw new SpikeflowError('stateDiagram', argument, `${argument} must be an array, received ${show(v)}`);
    return Object.freeze([...v]);
  };
  Object.assign(chart, {
    nodes: accessor('nodes', list('nodes') as (v: unknown) => readonly DiagramNode[]),
    edges: accessor('edges', list('edges') as (v: unknown) => readonly DiagramEdge[]),
    width: accessor('width', (v) => checkPositive('stateDiagram', 'width', v)),
    height: accessor('height', (v) => checkPositive('stateDiagram', 'height', v)),
    title: accessor('title', (v) => checkString('stateDiagram', 'title', v)),
    toSVG: () => {
      check(s.nodes, s.edges);
      const doc = createSVGDocument();
      const svg = doc.createElementNS(SVG_NS, 'svg') as unknown as SVGSVGElement;
      doc.body.appendChild(svg);
      render(select(svg), s, true);
      return serializeSVG(svg);
    },
  });
  return chart;
};
