/**
 * Page bundles for the browser tests and the browser benchmark: one TypeScript entry built by
 * Vite (in memory) into a classic IIFE script, which a page or a worker loads.
 * @module
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Builds `entry` (a path) into one IIFE script, minified as a production build is (so that code
 * shipped to workers as text, `Function.prototype.toString`, is checked minified too).
 * @throws Error when Vite produced no chunk
 */
export const iifeBundle = async (entry: string, name: string, minify = true): Promise<string> => {
  const result = await build({
    configFile: false,
    root,
    logLevel: 'silent',
    build: { write: false, minify, lib: { entry, formats: ['iife'], name, fileName: 'page' } },
  });
  const output = (Array.isArray(result) ? result[0] : result) as { output: { type: string; code?: string }[] };
  const chunk = output.output.find((o) => o.type === 'chunk');
  if (chunk?.code === undefined) throw new Error(`vite produced no bundle of ${entry}`);
  return chunk.code;
};
