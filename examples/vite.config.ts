/**
 * Vite configuration of the playground: `npm run playground` serves examples/ on localhost,
 * `npm run build:playground` writes static files to dist/playground with relative URLs, so the
 * folder works from any static host and any sub-path.
 *
 * `npm run playground:isolated` (Vite's `--mode isolated`) serves the pages cross-origin isolated
 * ({@link CROSS_ORIGIN_ISOLATION}, also for `vite preview`): `SharedArrayBuffer` exists there, so
 * the `threads` backend (registered by `spikeflow/browser`) runs on Web Workers besides the main
 * thread. A static host must send the same two headers for the built pages to be isolated.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { sourceAliases } from './entries.js';

const here = fileURLToPath(new URL('.', import.meta.url));

/** The pages of the playground (one HTML file each). */
export const pages = [
  'index.html',
  'tutorial/index.html',
  'code/index.html',
  'live/events.html',
  'live/microphone.html',
  'live/motion.html',
  'live/brunel.html',
  'nir/index.html',
  'training/index.html',
] as const;

/** The response headers that make a page cross-origin isolated (`crossOriginIsolated === true`). */
export const CROSS_ORIGIN_ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
} as const;

export default defineConfig(({ mode }) => ({
  root: here,
  base: './',
  publicDir: false,
  // The pages import spikeflow by its package name; these aliases point the entries at the sources.
  resolve: { alias: sourceAliases('browser') },
  server: { host: 'localhost', headers: mode === 'isolated' ? CROSS_ORIGIN_ISOLATION : {} },
  preview: { headers: mode === 'isolated' ? CROSS_ORIGIN_ISOLATION : {} },
  build: {
    outDir: fileURLToPath(new URL('../dist/playground', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 2000,
    rolldownOptions: {
      input: Object.fromEntries(
        pages.map((p) => [p.replace(/\.html$/, '').replace(/\//g, '-'), fileURLToPath(new URL(p, import.meta.url))]),
      ),
    },
  },
}));
