/**
 * Entry point of the `spikeflow` executable (`bin/spikeflow.js`, `npm start`). Errors that escape
 * `main` (a stream failing after its run returned) still go through the CLI's one error path.
 * @module
 */

import { main } from './program.js';
import { classify } from './usageErrors.js';

const fail = (e: unknown): void => {
  const { code, message } = classify(e);
  if (message !== undefined) process.stderr.write(`spikeflow: ${message}\n`);
  process.exit(code === 0 ? 1 : code);
};
process.on('uncaughtException', fail);
// A reader that stops early (`spikeflow simulate … | head`) closes the pipe: stop quietly, as Unix
// tools do, rather than report "write EPIPE" as bad input.
process.stdout.on('error', (e: NodeJS.ErrnoException) => (e.code === 'EPIPE' ? process.exit(0) : fail(e)));
process.on('unhandledRejection', fail);

const code = await main(process.argv.slice(2), {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
});
process.exitCode = code;
