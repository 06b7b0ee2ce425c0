/**
 * The playground's front page links every page the playground builds (`pages` in
 * examples/vite.config.ts), so that a reader of the README's list finds each one.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pages } from '../../examples/vite.config.js';

describe('playground front page', () => {
  it('links every page of the playground', () => {
    const html = readFileSync(new URL('../../examples/index.html', import.meta.url), 'utf8');
    const links = new Set([...html.matchAll(/href="\.\/([^"]+)"/g)].map((m) => m[1]));
    expect(pages.filter((p) => !links.has(p))).toEqual([]);
  });
});
