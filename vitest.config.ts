import { defineConfig } from 'vitest/config';
import { sourceAliases } from './examples/entries.js';

export default defineConfig({
  // Code under test that imports spikeflow by its package name (the examples) gets the sources.
  resolve: { alias: sourceAliases('node') },
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 60_000,
    pool: 'forks',
  },
});
