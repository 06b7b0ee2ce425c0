/**
 * The package's entries (`spikeflow`, `spikeflow/viz`, …) resolved to their TypeScript sources,
 * read from `package.json`'s `exports` (the `spikeflow-source` condition), as Vite aliases: the
 * playground and the tests import spikeflow by its package name, as a user does, without a build.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

type Target = string | { readonly [condition: string]: Target };

const root = new URL('../', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { exports: Record<string, Target> };

const pick = (target: Target, platform: 'browser' | 'node'): string => {
  if (typeof target === 'string') return target;
  const next = target[platform] ?? target.default;
  if (next === undefined) throw new Error(`package.json exports: no ${platform} or default target in ${JSON.stringify(target)}`);
  return pick(next, platform);
};

/** Aliases from each `spikeflow[/sub]` entry to its source file, for a browser or a Node build. */
export const sourceAliases = (platform: 'browser' | 'node'): { find: RegExp; replacement: string }[] =>
  Object.entries(pkg.exports)
    .filter(([sub]) => sub !== './package.json')
    .map(([sub, target]) => {
      const source = typeof target === 'string' ? target : target['spikeflow-source'];
      if (source === undefined) throw new Error(`package.json exports["${sub}"] has no spikeflow-source condition`);
      const name = `spikeflow${sub.slice(1)}`.replace(/[/.]/g, (c) => `\\${c}`);
      return { find: new RegExp(`^${name}$`), replacement: fileURLToPath(new URL(pick(source, platform), root)) };
    });
