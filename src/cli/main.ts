/**
 * Entry point of the `spikeflow` executable (`bin/spikeflow.js`, `npm start`).
 * @module
 */
import { main } from './program.js';

const code = await main(process.argv.slice(2), {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
});
process.exitCode = code;
