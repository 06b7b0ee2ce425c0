/**
 * Page bundles for the browser tests and the browser benchmark: one TypeScript entry built by
 * Vite (in memory) into a classic IIFE script, which a page or a worker loads.
 * @module
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { launchChromium, SWIFTSHADER_ARGS } from './chromium.js';

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

/**
 * Launches Chromium with SwiftShader's WebGL2 and opens an empty page that loads `entry` built by
 * {@link iifeBundle} (not minified), whose API the page then holds as `globalThis[name]` (the
 * entry sets it; the bundle's own IIFE variable is `<name>Bundle`, so it does not overwrite it).
 */
export const openBundledPage = async (entry: string, name: string, executablePath: string): Promise<{ browser: Browser; page: Page }> => {
  const code = await iifeBundle(entry, `${name}Bundle`, false);
  const browser = await launchChromium(SWIFTSHADER_ARGS, executablePath);
  const page = await browser.newPage();
  await page.setContent('<!doctype html><html><body></body></html>');
  await page.addScriptTag({ content: code });
  return { browser, page };
};

/**
 * Calls `globalThis[name][fn](...args)` in the page (the API a bundle from {@link openBundledPage}
 * set) and resolves to its (awaited) result.
 */
export const pageCaller =
  (name: string) =>
  <R>(page: Page, fn: string, ...args: unknown[]): Promise<R> =>
    page.evaluate(
      ([api, f, a]) =>
        (globalThis as unknown as Record<string, Record<string, (...x: unknown[]) => unknown>>)[api as string]?.[f as string]?.(
          ...(a as unknown[]),
        ),
      [name, fn, args] as const,
    ) as Promise<R>;
