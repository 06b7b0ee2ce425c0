/**
 * The live-coding pane: a CodeMirror 6 editor whose code builds a pipeline (input → network) that
 * runs continuously. Every edit re-evaluates the code; syntax and runtime errors become inline
 * diagnostics plus a message under the editor, and the last working pipeline keeps running.
 * @module
 */
import { javascript, javascriptLanguage } from '@codemirror/lang-javascript';
import { type Diagnostic, lintGutter, setDiagnostics } from '@codemirror/lint';
import { basicSetup, EditorView } from 'codemirror';
import * as d3 from 'd3';
import { BehaviorSubject } from 'rxjs';
import type { Layer } from 'spikeflow';
import { fromTypedArray, type Tensor } from 'spikeflow';
import { type ClockSettings, outputCharts, simulationFrames } from '../lib/live.js';
import { byId } from '../lib/page.js';
import * as sf from '../lib/spikeflow.js';
import { exampleCode } from './example.js';

/** What the code returns. */
interface Program {
  readonly neurons: number;
  readonly dt: number;
  readonly input: (t: number) => ArrayLike<number> | number;
  readonly network: Layer<unknown>;
}

/** An error located in the code (`from`, `to` are document offsets). */
interface Located {
  readonly message: string;
  readonly from: number;
  readonly to: number;
}

const PARAMS = ['sf', 'd3'] as const;

/** Edit distance of two short names (for "did you mean"). */
const distance = (a: string, b: string): number => {
  const row = Array.from({ length: b.length + 1 }, (_, k) => k);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const next = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = row[j]!;
      row[j] = next;
    }
  }
  return row[b.length]!;
};

/**
 * \`sf\` as the code sees it: reading a name spikeflow does not export (a typo such as \`sf.lifx\`)
 * throws at once, at the line of the typo, naming the closest exports.
 */
const sfChecked: Record<string, unknown> = new Proxy(sf as Record<string, unknown>, {
  get(target, key) {
    if (typeof key === 'string' && !(key in target) && key !== 'then') {
      const names = Object.keys(target);
      const near = names
        .map((n) => [n, distance(key.toLowerCase(), n.toLowerCase())] as const)
        .filter(([, d]) => d <= Math.max(1, Math.floor(key.length / 3)))
        .sort((a, b) => a[1] - b[1])
        .slice(0, 3)
        .map(([n]) => `sf.${n}`);
      throw new ReferenceError(`sf.${key} is not part of spikeflow${near.length > 0 ? `; did you mean ${near.join(', ')}?` : ''}`);
    }
    return Reflect.get(target, key);
  },
});
/** Names the evaluated code in stack traces, so its frames can be told from the library's. */
const SOURCE_URL = '\n//# sourceURL=spikeflow-pipeline.js';

/** Line of the user's code in a stack trace of code compiled by `new Function` (first user frame). */
const stackLine = (stack: string | undefined): number | undefined => {
  const m = /spikeflow-pipeline\.js:(\d+):\d+/.exec(stack ?? '');
  return m === null ? undefined : Number(m[1]);
};

/** How many lines `new Function` puts before the body (measured, as engines differ). */
const headerLines = (() => {
  try {
    new Function(...PARAMS, `\nthrow new Error("probe")${SOURCE_URL}`)();
  } catch (e) {
    const line = stackLine((e as Error).stack);
    if (line !== undefined) return line - 2;
  }
  return 2;
})();

/**
 * Locates an error thrown by the user's code: the line of its first frame in the code's stack;
 * for an error raised inside spikeflow with no frame of the code (e.g. the network's run), the
 * line that defines `fallback` (\`network\` or \`input\`); else line 1.
 */
const locate = (view: EditorView, e: unknown, fallback?: string): Located => {
  const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  const doc = view.state.doc;
  const line = stackLine(e instanceof Error ? e.stack : undefined);
  let n = line === undefined ? undefined : Math.min(doc.lines, Math.max(1, line - headerLines));
  if (n === undefined && fallback !== undefined) {
    const re = new RegExp(`\\b(const|let|var)\\s+${fallback}\\b|\\b${fallback}\\s*[:=]`);
    for (let k = 1; k <= doc.lines && n === undefined; k++) if (re.test(doc.line(k).text)) n = k;
  }
  const l = doc.line(n ?? 1);
  return { message: n === undefined ? message : `${message} (line ${n})`, from: l.from, to: l.to };
};

/** Syntax errors: positions from the JavaScript parser, message from the engine. */
const syntaxError = (code: string, e: unknown): Located => {
  const tree = javascriptLanguage.parser.parse(code);
  let at: number | undefined;
  tree.iterate({
    enter: (node) => {
      if (at === undefined && node.type.isError) at = node.from;
      return at === undefined;
    },
  });
  const pos = at ?? 0;
  const lineNo = code.slice(0, pos).split('\n').length;
  const lineEnd = code.indexOf('\n', pos);
  return {
    message: `${e instanceof Error ? `${e.name}: ${e.message}` : String(e)} (line ${lineNo})`,
    from: pos,
    to: Math.max(pos + 1, lineEnd < 0 ? code.length : Math.min(lineEnd, pos + 1)),
  };
};

/** Evaluates the code; returns the program, or where and why it failed. */
const evaluate = (view: EditorView): Program | Located => {
  const code = view.state.doc.toString();
  let f: (...args: unknown[]) => unknown;
  try {
    f = new Function(...PARAMS, code + SOURCE_URL) as typeof f;
  } catch (e) {
    return syntaxError(code, e);
  }
  let p: Partial<Program>;
  try {
    p = (f(sfChecked, d3) ?? {}) as Partial<Program>;
  } catch (e) {
    return locate(view, e);
  }
  const whole = { from: 0, to: view.state.doc.line(1).to };
  if (!Number.isInteger(p.neurons) || (p.neurons as number) <= 0) {
    return { ...whole, message: `neurons must be a positive integer, received ${String(p.neurons)}` };
  }
  if (typeof p.input !== 'function') return { ...whole, message: 'input must be a function of the step t' };
  if (p.network === undefined || typeof p.network.run !== 'function') {
    return { ...whole, message: 'network must be a layer, e.g. sf.sequential(sf.neuron(sf.lif, {}, dt))' };
  }
  const dt = p.dt ?? 0.001;
  if (!(typeof dt === 'number' && dt > 0 && Number.isFinite(dt))) return { ...whole, message: `dt must be > 0 seconds, received ${dt}` };
  return { neurons: p.neurons as number, dt, input: p.input, network: p.network };
};

// --- the editor -----------------------------------------------------------------------------
const editorHost = byId('editor');
const errorBox = byId('error');
const status = byId('status');
let timer: ReturnType<typeof setTimeout> | undefined;
let version = 0;

const view = new EditorView({
  doc: exampleCode,
  parent: editorHost,
  extensions: [
    basicSetup,
    javascript(),
    EditorView.lineWrapping,
    lintGutter(),
    EditorView.updateListener.of((u) => {
      if (!u.docChanged) return;
      clearTimeout(timer);
      timer = setTimeout(rebuild, 250);
    }),
  ],
});

/** The status line: what runs now, in words that stay true. */
let running: string | undefined; // description of the version that runs, if any
const setStatus = (text: string, state: 'running' | 'stale' | 'stopped'): void => {
  status.textContent = text;
  status.dataset.state = state;
};

const showError = (err: Located): void => {
  const diagnostic: Diagnostic = { from: err.from, to: err.to, severity: 'error', message: err.message, source: 'spikeflow' };
  view.dispatch(setDiagnostics(view.state, [diagnostic]));
  errorBox.textContent = err.message;
  editorHost.dataset.state = 'error';
};

const clearError = (): void => {
  view.dispatch(setDiagnostics(view.state, []));
  errorBox.textContent = '';
  editorHost.dataset.state = 'ok';
};

// --- the running pipeline --------------------------------------------------------------------
let program: Program | undefined;
let networkState: unknown;
let stateKey = '';
const clock$ = new BehaviorSubject<ClockSettings>({ playing: true, speed: 1, dt: 0.001 });
const charts = outputCharts({ raster: byId('raster'), rates: byId('rates') });

function rebuild(): void {
  const result = evaluate(view);
  if ('message' in result) {
    showError(result);
    if (running !== undefined && program !== undefined) {
      setStatus(`${running} — the code in the editor has an error and does not run; the plots show the last version that worked`, 'stale');
    } else setStatus('stopped: the code has an error; fix it to run', 'stopped');
    return;
  }
  clearError();
  program = result;
  version += 1;
  clock$.next({ ...clock$.value, dt: result.dt });
  running = `running version ${version}: ${result.network.name}, ${result.neurons} neurons, dt ${result.dt * 1000} ms`;
  setStatus(running, 'running');
}

const inputChunk = (p: Program, first: number, steps: number): Tensor => {
  const xs = new Float32Array(steps * p.neurons);
  for (let t = 0; t < steps; t++) {
    const v = p.input(first + t);
    if (typeof v === 'number') xs.fill(v, t * p.neurons, (t + 1) * p.neurons);
    else {
      if (v.length !== p.neurons) throw new RangeError(`input(${first + t}) returned ${v.length} values for ${p.neurons} neurons`);
      xs.set(v, t * p.neurons);
    }
  }
  return fromTypedArray(xs, [steps, 1, p.neurons]);
};

simulationFrames(clock$).subscribe((frame) => {
  const p = program;
  if (p === undefined) return;
  try {
    const xs = inputChunk(p, frame.firstStep, frame.steps);
    // State carries over while the network and the number of neurons stay the same.
    const key = `${p.network.name}|${p.neurons}`;
    const [out, next] = p.network.run(xs, key === stateKey ? networkState : undefined);
    networkState = next;
    stateKey = key;
    charts.push(out, frame.dt);
  } catch (e) {
    // A runtime error: mark it, stop this program until the next edit, and say so.
    program = undefined;
    const err = locate(view, e, /input\(|returned \d+ values/.test(String(e)) ? 'input' : 'network');
    showError(err);
    setStatus(`stopped: version ${version} failed at step ${frame.firstStep} (${err.message}); edit the code to run again`, 'stopped');
    running = undefined;
  }
});

// --- controls ----------------------------------------------------------------------------------
const play = byId<HTMLButtonElement>('play');
play.addEventListener('click', () => {
  clock$.next({ ...clock$.value, playing: !clock$.value.playing });
  play.textContent = clock$.value.playing ? 'Pause' : 'Play';
});
const speed = byId<HTMLSelectElement>('speed');
speed.addEventListener('change', () => clock$.next({ ...clock$.value, speed: Number(speed.value) }));
byId('reset').addEventListener('click', () => {
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: exampleCode } });
});

rebuild();
