/** The CLI run in-process, as the command-line tests call it. */
import { main } from '../../src/cli/program.js';

/** What a command printed and returned. */
export interface CliResult {
  /** Exit code: 0 success, 2 bad arguments or input, 1 a bug. */
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** Runs `spikeflow …argv` in this process, capturing stdout and stderr. */
export const runCli = async (argv: readonly string[]): Promise<CliResult> => {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (t) => (out += t), stderr: (t) => (err += t) });
  return { code, out, err };
};
