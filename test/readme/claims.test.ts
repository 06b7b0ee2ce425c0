/**
 * The README's "Typed claims" table: every row cites a test file and a fragment of a test's
 * title; the file must exist and hold that fragment, so a claim cannot outlive its test.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const readme = readFileSync(`${root}README.md`, 'utf8');
const section = readme.slice(readme.indexOf('### Typed claims'));
const rows = section
  .split('\n')
  .filter((l) => l.startsWith('| ') && !l.startsWith('| claim') && !l.startsWith('| ---'))
  .map((l) => /^\| (.+) \| `([^`]+)`: "(.+)" \|$/.exec(l))
  .filter((m): m is RegExpExecArray => m !== null);

describe('README typed claims', () => {
  it('has a claims table whose every row cites a test', () => {
    expect(readme).toContain('### Typed claims');
    const all = section
      .slice(0, section.indexOf('\n\n', section.indexOf('| claim')))
      .split('\n')
      .filter((l) => l.startsWith('| ') && !l.startsWith('| claim') && !l.startsWith('| ---'));
    expect(rows.length).toBe(all.length);
    expect(rows.length).toBeGreaterThanOrEqual(20);
  });

  for (const [, claim, file, fragment] of rows) {
    it(`${claim} → ${file}`, () => {
      expect(existsSync(`${root}${file}`), file).toBe(true);
      const text = readFileSync(`${root}${file}`, 'utf8');
      expect(text.includes(fragment as string), `${file} holds "${fragment}"`).toBe(true);
    });
  }
});
