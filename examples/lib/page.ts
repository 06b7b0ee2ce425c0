/**
 * Helpers shared by the playground pages: showing a tutorial step's source, collecting its printed
 * lines, and reporting errors in the page instead of breaking it.
 * @module
 */

/** The lines of `source` between `// #region tutorial` and `// #endregion`, de-indented. */
export const tutorialRegion = (source: string): string => {
  const lines = source.split('\n');
  const start = lines.findIndex((l) => l.trim() === '// #region tutorial');
  const end = lines.findIndex((l, k) => k > start && l.trim() === '// #endregion');
  const body = start >= 0 && end > start ? lines.slice(start + 1, end) : lines;
  const indent = Math.min(...body.filter((l) => l.trim() !== '').map((l) => l.length - l.trimStart().length));
  return body.map((l) => l.slice(Number.isFinite(indent) ? indent : 0)).join('\n');
};

/** Finds an element by id or throws a readable error. */
export const byId = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`page: element #${id} is missing`);
  return el as T;
};

/** Runs `f` with a `print` collecting lines, then shows them in `target`; errors are shown there too. */
export const showOutput = <R>(target: HTMLElement, f: (print: (line: string) => void) => R): R | undefined => {
  const lines: string[] = [];
  try {
    const r = f((line) => lines.push(line));
    target.textContent = lines.join('\n');
    return r;
  } catch (e) {
    target.textContent = `${lines.join('\n')}\n${e instanceof Error ? e.message : String(e)}`;
    target.classList.add('error');
    return undefined;
  }
};

/** The width a chart needs to fill `panel`: its content box (client width less its padding), at least `min` CSS pixels. */
export const panelWidth = (panel: HTMLElement, min = 320): number => {
  const style = getComputedStyle(panel);
  const inner = panel.clientWidth - Number.parseFloat(style.paddingLeft) - Number.parseFloat(style.paddingRight);
  return Math.max(min, Math.floor(inner));
};
