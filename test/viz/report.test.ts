import { DOMParser } from 'linkedom';
import { describe, expect, it } from 'vitest';
import { lif } from '../../src/neurons/lif.js';
import { tensor } from '../../src/ops/tensor.js';
import { raster } from '../../src/viz/raster.js';
import { rate } from '../../src/viz/rate.js';
import { report } from '../../src/viz/report.js';
import { traces } from '../../src/viz/traces.js';

const parseHTML = (html: string): Document => new DOMParser().parseFromString(html, 'text/html') as unknown as Document;

describe('report', () => {
  it('is one self-contained HTML page holding several figures', () => {
    const xs = tensor(Array.from({ length: 60 }, () => [[0.1, 0.3, 0.5]]));
    const run = lif.run({}, 0.001, { record: true })(xs);
    let spikes = 0;
    for (const v of run[0].data) spikes += v;
    const v = traces().threshold(1).push(run);
    const z = raster().push(run);
    const html = report()
      .title('LIF <run> & co')
      .description('three neurons')
      .add(v, { title: 'Voltage', caption: 'v with threshold <1>' })
      .add(z, { title: 'Raster' })
      .add(rate().bin(20).toSVG(run), { title: 'Rate' })
      .toHTML();
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    const doc = parseHTML(html);
    expect(doc.querySelector('title')?.textContent).toBe('LIF <run> & co');
    expect(doc.querySelector('h1')?.textContent).toBe('LIF <run> & co');
    expect(Array.from(doc.querySelectorAll('h2')).map((h) => h.textContent)).toEqual(['Voltage', 'Raster', 'Rate']);
    expect(doc.querySelectorAll('figure > svg')).toHaveLength(3);
    expect(doc.querySelector('figcaption')?.textContent).toBe('v with threshold <1>');
    // the charts' data made it into the page
    expect(doc.querySelectorAll('svg.traces path.trace')).toHaveLength(3);
    expect(doc.querySelectorAll('svg.raster circle.spike')).toHaveLength(spikes);
    expect(doc.querySelectorAll('svg.rate rect.bar')).toHaveLength(3);
    // self-contained: no scripts, no external references
    expect(doc.querySelectorAll('script, link, img, iframe')).toHaveLength(0);
    expect(html).not.toMatch(/(src|href)=/);
  });

  it('rejects what is not a figure', () => {
    expect(() => report().add(42 as unknown as string)).toThrow(
      /report: figure must be a chart \(with toSVG\) or an SVG string, received 42/,
    );
    expect(report().size()).toBe(0);
  });

  it('escapes the title and removes what could run code from SVG strings', () => {
    const evil = '</title><script>alert(1)</script><img src=x onerror=alert(2)>';
    const html = report()
      .title(evil)
      .add(
        '<svg><script>alert(3)</script><foreignObject><p>x</p></foreignObject><a href="javascript:alert(4)"><rect onclick="alert(5)" width="3"/></a></svg>',
      )
      .toHTML();
    expect(html).not.toMatch(/<script|<img|onclick|javascript:|foreignObject/i);
    expect(html).toContain('<title>&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;</title>');
    const doc = parseHTML(html);
    expect(doc.querySelector('title')?.textContent).toBe(evil);
    expect(doc.querySelector('h1')?.textContent).toBe(evil);
    expect(doc.querySelectorAll('figure rect[width="3"]')).toHaveLength(1);
    expect(doc.querySelectorAll('script, img, foreignObject')).toHaveLength(0);
    const handlers = Array.from(doc.querySelectorAll('*')).flatMap((el) =>
      Array.from(el.attributes).filter((a) => a.name.startsWith('on')),
    );
    expect(handlers).toHaveLength(0);
  });
});
