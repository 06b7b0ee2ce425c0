/**
 * A child process answering one JSON request per line of stdin with one JSON line on stdout
 * (bench/lifServe.ts, bench/norse_lif.py --serve), as the side-by-side benchmark drives them
 * (bench/sideBySide.ts).
 * @module
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';

/** A request/answer child process. */
export interface Server {
  /** Sends one request; resolves with the answer, rejects with its `error` or when the process exits. */
  readonly ask: (req: object) => Promise<Record<string, unknown>>;
  /**
   * Ends the process (stdin closed, SIGTERM; SIGKILL after `graceMs`) and resolves once it has
   * exited, so that its memory is back with the system before the next turn starts (a process
   * holding 16 GB at N = 1e6 takes a moment to be torn down).
   */
  readonly close: () => Promise<void>;
  /** Ends the process at once (the memory watchdog). */
  readonly kill: () => void;
}

/**
 * Starts `cmd args` as a {@link Server}.
 * @param cmd - the program
 * @param args - its arguments
 * @param env - its environment (the allocator settings)
 * @param cwd - its working directory
 * @param graceMs - how long {@link Server.close} waits before SIGKILL
 */
export const server = (cmd: string, args: readonly string[], env: NodeJS.ProcessEnv, cwd: string, graceMs = 10_000): Server => {
  const child: ChildProcessWithoutNullStreams = spawn(cmd, args, { env, cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: Interface = createInterface({ input: child.stdout });
  const waiting: ((line: string) => void)[] = [];
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  lines.on('line', (line) => waiting.shift()?.(line));
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const failed = new Promise<never>((_, reject) => {
    child.on('exit', (code) => reject(new Error(`${cmd} exited (${code}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`)));
    child.on('error', reject);
  });
  failed.catch(() => undefined);
  return {
    ask: async (req) => {
      const reply = new Promise<string>((resolve) => waiting.push(resolve));
      child.stdin.write(`${JSON.stringify(req)}\n`);
      const r = JSON.parse(await Promise.race([reply, failed])) as Record<string, unknown>;
      if (typeof r.error === 'string') throw new Error(r.error);
      return r;
    },
    close: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.stdin.end();
        child.kill();
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
    },
    kill: () => child.kill('SIGKILL'),
  };
};

/** A {@link Server} started on its first request and again after {@link Server.close} (memory mode `respawn`). */
export const lazyServer = (start: () => Server): Server => {
  let s: Server | undefined;
  return {
    ask: (req) => {
      s ??= start();
      return s.ask(req);
    },
    close: async () => {
      const t = s;
      s = undefined;
      await t?.close();
    },
    kill: () => s?.kill(),
  };
};

/**
 * The child's side of a {@link Server}: reads one JSON request per line of stdin and writes one
 * JSON answer per line of stdout, one request at a time, in order (bench/lifServe.ts,
 * bench/streamServe.ts). `handle` returns the answer, or `undefined` to stop reading (stdin is
 * closed, no answer); what it throws is answered as `{ error }` (its stack).
 * @param handle - answers a parsed request
 * @param onClose - runs once stdin is closed (e.g. ends the worker threads)
 */
export const serveRequests = (handle: (request: { readonly cmd?: unknown }) => Promise<unknown>, onClose: () => void): void => {
  const lines = createInterface({ input: process.stdin });
  let queue = Promise.resolve();
  const answer = async (line: string): Promise<void> => {
    let reply: unknown;
    try {
      reply = await handle(JSON.parse(line) as { readonly cmd?: unknown });
      if (reply === undefined) {
        lines.close();
        return;
      }
    } catch (e) {
      reply = { error: String((e as Error)?.stack ?? e) };
    }
    process.stdout.write(`${JSON.stringify(reply)}\n`);
  };
  lines.on('line', (line) => {
    queue = queue.then(() => answer(line));
  });
  lines.on('close', onClose);
};
