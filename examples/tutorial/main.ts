/**
 * Shared plumbing of the tutorial steps: a step is a function of `print`, so the same code runs as a
 * Node script (printing to the terminal) and on the tutorial page (printing into the page).
 * @module
 */

/** Where a tutorial step writes its lines: `console.log` in Node, a `<pre>` on the page. */
export type Print = (line: string) => void;

/**
 * Runs `step` with `console.log` when the module is the script Node was started with
 * (`npx tsx examples/tutorial/03-lif-step.ts`); does nothing when imported (tests, the page).
 * Browser-safe: it reads `process` only when it exists.
 * @param moduleUrl - the caller's `import.meta.url`
 * @param step - the tutorial step to run
 */
export const runIfMain = (moduleUrl: string, step: (print: Print) => unknown): void => {
  const argv = (globalThis as { process?: { argv?: readonly string[] } }).process?.argv;
  const script = argv?.[1];
  if (script === undefined || !moduleUrl.startsWith('file:')) return;
  const self = decodeURIComponent(new URL(moduleUrl).pathname);
  if (self === script || self.replace(/\.ts$/, '') === script.replace(/\.ts$/, '')) step(console.log);
};
