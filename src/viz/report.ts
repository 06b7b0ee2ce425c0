/**
 * A small self-contained HTML report holding several figures: one file, inline SVG, inline CSS,
 * no scripts and no external resources, so it opens anywhere and can be archived with a run.
 * Built with linkedom's DOM (titles and captions are text nodes, never parsed as markup). All
 * output is escaped: the `<title>` is written with {@link escapeHTML} (linkedom writes the text
 * of raw-text elements as it is), and SVG strings lose scripts, `foreignObject`, event-handler
 * attributes and `javascript:` links, so a report never runs code when it is opened.
 * @module
 */
import { SpikeflowError, show } from '../ops/errors.js';
import { createSVGDocument } from './document.js';

/** Anything that renders itself to a standalone SVG string: every spikeflow chart. */
export interface Figure {
  toSVG(): string;
}

/** Title and caption of a figure in a report. */
export interface FigureOptions {
  readonly title?: string;
  readonly caption?: string;
}

/** A report under construction; see {@link report}. */
export interface Report {
  /** Title of the page and its heading (default `spikeflow report`). */
  title(): string;
  title(text: string): Report;
  /** Text under the title (default none). */
  description(): string;
  description(text: string): Report;
  /**
   * Adds a figure: a chart (rendered when {@link Report.toHTML} is called, so a chart fed by a
   * running stream shows its state at that moment) or an SVG string.
   * @throws SpikeflowError when `figure` is neither
   */
  add(figure: Figure | string, options?: FigureOptions): Report;
  /**
   * Adds a row of figures side by side (wrapping on narrow pages), e.g. small multiples.
   * @throws SpikeflowError when an entry is not a chart or an SVG string
   */
  row(figures: readonly (Figure | string)[], options?: FigureOptions): Report;
  /** Adds a table of `[name, value]` rows (text, escaped), e.g. a run's summary. */
  table(rows: readonly (readonly [string, string])[], options?: FigureOptions): Report;
  /** Number of sections (figures, rows and tables) added. */
  size(): number;
  /** The report as a standalone HTML document (`<!DOCTYPE html>...`). */
  toHTML(): string;
}

const CSS = [
  'body{font-family:system-ui,sans-serif;color:#222;max-width:980px;margin:2em auto;padding:0 1em}',
  'h1{font-size:1.5em}h2{font-size:1.1em;margin:1.6em 0 .4em}',
  'figure{margin:0}figure svg{max-width:100%;height:auto}',
  'figcaption{color:#555;font-size:.9em;margin-top:.3em}',
  '.row{display:flex;flex-wrap:wrap;gap:4px}.row svg{flex:0 0 auto}',
  'table.summary{border-collapse:collapse;font-size:.9em}table.summary th{text-align:left;font-weight:600;padding:2px 16px 2px 0;vertical-align:top}',
  'table.summary td{padding:2px 0;font-variant-numeric:tabular-nums}',
  '.description{color:#444}',
].join('');

/** Stands for the title text until the document is serialized. */
const TITLE_MARK = 'spikeflow-report-title';

/** Text escaped for HTML text and attribute values: `& < > " '` as character references. */
export const escapeHTML = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;'));

/** Removes what could run code from markup: scripts, foreign objects, `on*` attributes, `javascript:` links. */
const sanitize = (root: Element): void => {
  for (const el of Array.from(root.querySelectorAll('script, foreignObject, foreignobject, iframe, object, embed'))) el.remove();
  for (const el of Array.from(root.querySelectorAll('*'))) {
    for (const a of Array.from(el.attributes)) {
      const name = a.name.toLowerCase();
      const value = Array.from(a.value)
        .filter((c) => c.charCodeAt(0) > 0x20)
        .join('')
        .toLowerCase();
      if (name.startsWith('on') || ((name === 'href' || name.endsWith(':href') || name === 'src') && value.startsWith('javascript:'))) {
        el.removeAttribute(a.name);
      }
    }
  }
};

/**
 * Creates an HTML report: `report().title('LIF run').add(traces, { title: 'Voltage' }).add(raster).toHTML()`.
 * Write the string to a `.html` file; it needs nothing else.
 * @throws SpikeflowError (from `add`, `title`) for a figure that is neither a chart nor an SVG string, a title that is not a string
 */
export const report = (): Report => {
  let title = 'spikeflow report';
  let description = '';
  type Section =
    | { kind: 'figure'; figures: readonly (Figure | string)[]; options: FigureOptions }
    | { kind: 'row'; figures: readonly (Figure | string)[]; options: FigureOptions }
    | { kind: 'table'; rows: readonly (readonly [string, string])[]; options: FigureOptions };
  const figures: Section[] = [];
  const checkFigure = (figure: unknown): Figure | string => {
    const ok = typeof figure === 'string' || (figure !== null && typeof figure === 'object') || typeof figure === 'function';
    if (!ok || (typeof figure !== 'string' && typeof (figure as Figure).toSVG !== 'function')) {
      throw new SpikeflowError('report', 'figure', `figure must be a chart (with toSVG) or an SVG string, received ${show(figure)}`);
    }
    return figure as Figure | string;
  };
  const self: Report = {
    title: ((...args: unknown[]) => {
      if (args.length === 0) return title;
      if (typeof args[0] !== 'string') throw new SpikeflowError('report', 'title', `title must be a string, received ${show(args[0])}`);
      title = args[0];
      return self;
    }) as Report['title'],
    description: ((...args: unknown[]) => {
      if (args.length === 0) return description;
      if (typeof args[0] !== 'string') {
        throw new SpikeflowError('report', 'description', `description must be a string, received ${show(args[0])}`);
      }
      description = args[0];
      return self;
    }) as Report['description'],
    add: (figure, options = {}) => {
      figures.push({ kind: 'figure', figures: [checkFigure(figure)], options });
      return self;
    },
    row: (list, options = {}) => {
      figures.push({ kind: 'row', figures: list.map(checkFigure), options });
      return self;
    },
    table: (rows, options = {}) => {
      figures.push({ kind: 'table', rows: rows.map(([k, v]) => [String(k), String(v)] as const), options });
      return self;
    },
    size: () => figures.length,
    toHTML: () => {
      const document = createSVGDocument();
      document.documentElement.setAttribute('lang', 'en');
      const head = document.head;
      const meta = document.createElement('meta');
      meta.setAttribute('charset', 'utf-8');
      const titleEl = document.createElement('title');
      titleEl.textContent = TITLE_MARK;
      const style = document.createElement('style');
      style.textContent = CSS;
      head.append(meta, titleEl, style);
      const body = document.body;
      const h1 = document.createElement('h1');
      h1.textContent = title;
      body.appendChild(h1);
      if (description !== '') {
        const p = document.createElement('p');
        p.className = 'description';
        p.textContent = description;
        body.appendChild(p);
      }
      for (const item of figures) {
        const { options } = item;
        const section = document.createElement('section');
        section.className = item.kind;
        if (options.title !== undefined) {
          const h2 = document.createElement('h2');
          h2.textContent = options.title;
          section.appendChild(h2);
        }
        const fig = document.createElement('figure');
        if (item.kind === 'table') {
          const table = document.createElement('table');
          table.className = 'summary';
          for (const [k, v] of item.rows) {
            const tr = document.createElement('tr');
            const th = document.createElement('th');
            th.textContent = k;
            const td = document.createElement('td');
            td.textContent = v;
            tr.append(th, td);
            table.appendChild(tr);
          }
          fig.appendChild(table);
        } else {
          const holder = item.kind === 'row' ? document.createElement('div') : fig;
          if (item.kind === 'row') {
            holder.className = 'row';
            fig.appendChild(holder);
          }
          holder.innerHTML = item.figures.map((f) => (typeof f === 'string' ? f : f.toSVG())).join('');
          sanitize(holder);
        }
        if (options.caption !== undefined) {
          const caption = document.createElement('figcaption');
          caption.textContent = options.caption;
          fig.appendChild(caption);
        }
        section.appendChild(fig);
        body.appendChild(section);
      }
      return document.toString().replace(`<title>${TITLE_MARK}</title>`, () => `<title>${escapeHTML(title)}</title>`);
    },
  };
  return self;
};
