/**
 * The code a user copies must work: every TypeScript snippet of the README runs as written (with
 * its imports, by the package's name, in a fresh Node process), and every README snippet and
 * every TSDoc `@example` of `src/` type-checks under the project's strict compiler options.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { root } from '../package/entries.js';

/** The ```ts blocks of a Markdown text. */
const markdownSnippets = (text: string): string[] => [...text.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1] as string);

/** The ```ts blocks that follow `@example` in the TSDoc comments of a source file. */
const exampleSnippets = (text: string): string[] =>
  [...text.matchAll(/@example\s*\n\s*\*\s*```ts\n([\s\S]*?)\n\s*\*\s*```/g)].map((m) =>
    (m[1] as string)
      .split('\n')
      .map((line) => line.replace(/^\s*\* ?/, ''))
      .join('\n'),
  );

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });

const readme = markdownSnippets(readFileSync(join(root, 'README.md'), 'utf8'));
const examples = sourceFiles(join(root, 'src')).flatMap((file) =>
  exampleSnippets(readFileSync(file, 'utf8')).map((code, k) => ({ name: `${relative(root, file)} @example ${k + 1}`, code })),
);

// Snippets live inside the package (so that `spikeflow` resolves to itself); removed afterwards.
const work = mkdtempSync(join(root, '.snippets-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const write = (name: string, code: string): string => {
  const path = join(work, `${name.replace(/[^A-Za-z0-9]+/g, '_')}.ts`);
  // each snippet is a module of its own (top-level await, no clashes between snippets)
  writeFileSync(path, `${code}\nexport {};\n`);
  return path;
};

describe('README snippets', () => {
  it('are there (three at least: a first network, a stream, the seed figure)', () => {
    expect(readme.length).toBeGreaterThanOrEqual(3);
  });

  readme.forEach((code, k) => {
    it(`snippet ${k + 1} runs as written`, async () => {
      const path = write(`readme ${k + 1}`, code);
      const { stderr } = await promisify(execFile)(process.execPath, ['--conditions=spikeflow-source', '--import', 'tsx', path], {
        cwd: work,
        maxBuffer: 16 * 1024 * 1024,
      });
      expect(stderr).toBe('');
    });
  });
});

describe('snippets type-check (README and TSDoc @example)', () => {
  it('has @examples on the main entry points', () => {
    const names = new Set(examples.map((e) => e.name.split(' ')[0]));
    for (const entry of ['src/index.ts', 'src/node.ts', 'src/gpu.ts', 'src/threads.ts', 'src/backend.ts', 'src/io/formats/index.ts']) {
      expect(names.has(entry), entry).toBe(true);
    }
  });

  it('all compile without errors', () => {
    const config = ts.readConfigFile(join(root, 'tsconfig.json'), ts.sys.readFile);
    const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
    const files = [
      ...readme.map((code, k) => write(`typed readme ${k + 1}`, code)),
      ...examples.map((e) => write(`typed ${e.name}`, e.code)),
    ];
    const program = ts.createProgram(files, { ...options, noEmit: true, noUnusedLocals: false });
    // only the snippets' own diagnostics (checking them checks what they use, not all of src/)
    const errors = files
      .flatMap((file) => {
        const source = program.getSourceFile(file);
        return source === undefined ? [] : [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
      })
      .map((d) => `${d.file ? relative(work, d.file.fileName) : ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    expect(errors).toEqual([]);
  });
});
