import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root (the child resolves `./src/...` imports from there). */
export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/**
 * Runs an ES-module `program` in a Node child with `--expose-gc` and tsx, from the repository root,
 * so that a test can force garbage collections and event-loop turns the test runner does not give.
 * Returns the child's result (stdout, stderr and status as UTF-8 text).
 */
export const runWithGc = (program: string, options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): SpawnSyncReturns<string> =>
  spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', program], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 50_000,
    ...(options.env ? { env: options.env } : {}),
  });
