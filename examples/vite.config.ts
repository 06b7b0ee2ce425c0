/**
 * Vite configuration of the playground: `npm run playground` serves examples/ on localhost,
 * `npm run build:playground` writes static files to dist/playground with relative URLs, so the
 * folder works from any static host and any sub-path.
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
] as const;

export default defineConfig({
  root: here,
  base: './',
  publicDir: false,
  // The pages import spikeflow by its package name; these aliases point the entries at the sources.
  resolve: { alias: sourceAliases('browser') },
  server: { host: 'localhost' },
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
});
