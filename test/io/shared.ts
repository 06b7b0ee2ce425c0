/**
 * Location of the third-party recordings (../shared/data relative to the repository; never copied
 * into the project) and a `describe` that runs only where they exist: where they are missing, one
 * test fails when `CI` is set and otherwise logs that the real-file checks were not run.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

export const sharedData = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'data');
export const eventsDir = join(sharedData, 'events');
export const audioDir = join(sharedData, 'audio');
export const hasSharedData = existsSync(eventsDir) && existsSync(audioDir);

export const describeSharedData = (name: string, body: () => void): void => {
  describe(name, () => {
    if (hasSharedData) {
      body();
      return;
    }
    it(`needs the recordings in ${sharedData}`, () => {
      if (process.env.CI) expect.fail(`CI is set but ${sharedData} is missing: the real-recording checks of "${name}" cannot run`);
      console.warn(`[spikeflow] ${sharedData} not found: the real-recording checks of "${name}" were NOT run`);
    });
  });
};
