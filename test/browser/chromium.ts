/**
 * Headless Chromium for the browser tests and the browser benchmark: Debian's `chromium` package
 * (or the binary at `$CHROMIUM_PATH`) driven by playwright-core, launched with one set of flags.
 *
 * The policy when Chromium is missing ({@link chromiumMissing}): a test fails under CI (`CI` set),
 * since CI must run it, and elsewhere warns and is reported as skipped, with the reason.
 * @module
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import type { TestContext } from 'vitest';

/** What to say when Chromium is missing. */
export const CHROMIUM_MISSING =
  'Chromium was not found ($CHROMIUM_PATH, or chromium / chromium-browser on the PATH); install the Debian package with `apt-get install -y chromium`';

/**
 * The Chromium binary: `$CHROMIUM_PATH` when it names an existing file, else `chromium` or
 * `chromium-browser` on the PATH; `undefined` when there is none.
 */
export const findChromium = (): string | undefined => {
  const given = process.env.CHROMIUM_PATH;
  if (given !== undefined && given !== '' && existsSync(given)) return given;
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      const path = execFileSync('which', [name], { encoding: 'utf8' }).trim();
      if (path !== '' && existsSync(path)) return path;
    } catch {
      // not on the PATH
    }
  }
  return undefined;
};

/** Flags of every launch: headless, no sandbox (containers, CI), no background traffic. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
];

/** Extra flags for WebGL2 without a GPU: ANGLE on SwiftShader, which renders on the CPU. */
export const SWIFTSHADER_ARGS: readonly string[] = ['--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist'];

/**
 * Launches headless Chromium with {@link CHROMIUM_ARGS} followed by `extraArgs`.
 * @throws Error with {@link CHROMIUM_MISSING} when `executablePath` (default {@link findChromium}) is undefined
 */
export const launchChromium = (extraArgs: readonly string[] = [], executablePath = findChromium()): Promise<Browser> => {
  if (executablePath === undefined) throw new Error(CHROMIUM_MISSING);
  return chromium.launch({ executablePath, args: [...CHROMIUM_ARGS, ...extraArgs] });
};

const warned = new Set<string>();

/**
 * The missing-Chromium policy, in a test: under CI throws (the test fails); elsewhere warns (once
 * per `what`) and marks the test skipped, naming `what` was not run and why. Never returns.
 * @throws Error under CI; vitest's skip signal elsewhere
 */
export const chromiumMissing = (ctx: TestContext, what: string): never => {
  const reason = `${what} NOT RUN: ${CHROMIUM_MISSING}`;
  if (process.env.CI) throw new Error(`${reason}; CI must run it`);
  if (!warned.has(what)) console.warn(reason);
  warned.add(what);
  return ctx.skip(reason);
};
