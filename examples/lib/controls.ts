/**
 * The control bar of the live demos: play/pause, speed, dt, model, input gain and the model's
 * parameters (generated from the model's specs, with Norse's defaults). Every change is pushed to
 * a `BehaviorSubject<Settings>` that the running pipeline reads; nothing reloads.
 * @module
 */
import { BehaviorSubject } from 'rxjs';
import { liveModels, numericParams, type Settings } from './live.js';

/** Options of {@link controlBar}. */
export interface ControlOptions {
  readonly model?: string;
  readonly dt?: number;
  readonly speed?: number;
  readonly gain?: number;
  /** Largest gain on the slider (default 4). */
  readonly maxGain?: number;
  /** Parameters that differ from the model's defaults. */
  readonly params?: Readonly<Record<string, number>>;
}

const el = <K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
};

const labelled = (text: string, input: HTMLElement, suffix?: HTMLElement): HTMLLabelElement => {
  const l = el('label', {}, text);
  l.append(input);
  if (suffix !== undefined) l.append(suffix);
  return l;
};

/** Builds the controls into `container` and returns the settings subject they drive. */
export const controlBar = (container: HTMLElement, options: ControlOptions = {}): BehaviorSubject<Settings> => {
  const available = liveModels();
  const first = options.model ?? 'LIF';
  const settings$ = new BehaviorSubject<Settings>({
    playing: true,
    speed: options.speed ?? 1,
    dt: options.dt ?? 0.001,
    model: first,
    params: { ...numericParams(available[first]!), ...options.params },
    gain: options.gain ?? 1,
  });
  const update = (patch: Partial<Settings>): void => settings$.next({ ...settings$.value, ...patch });

  const row = el('div', { class: 'controls' });
  const play = el('button', { id: 'play', type: 'button' }, 'Pause');
  play.addEventListener('click', () => {
    update({ playing: !settings$.value.playing });
    play.textContent = settings$.value.playing ? 'Pause' : 'Play';
  });

  const speed = el('select', { id: 'speed', 'aria-label': 'speed' });
  for (const s of [0.1, 0.25, 0.5, 1, 2, 4]) speed.append(el('option', { value: String(s) }, `${s}×`));
  speed.value = String(settings$.value.speed);
  speed.addEventListener('change', () => update({ speed: Number(speed.value) }));

  const dt = el('input', { id: 'dt', type: 'number', min: '0.1', max: '5', step: '0.1', value: String(settings$.value.dt * 1000) });
  dt.addEventListener('change', () => {
    const ms = Number(dt.value);
    if (Number.isFinite(ms) && ms > 0) update({ dt: ms / 1000 });
  });

  const gainOut = el('output', {}, settings$.value.gain.toFixed(2));
  const gain = el('input', {
    id: 'gain',
    type: 'range',
    min: '0',
    max: String(options.maxGain ?? 4),
    step: '0.05',
    value: String(settings$.value.gain),
  });
  gain.addEventListener('input', () => {
    gainOut.textContent = Number(gain.value).toFixed(2);
    update({ gain: Number(gain.value) });
  });

  const model = el('select', { id: 'model', 'aria-label': 'model' });
  for (const name of Object.keys(available)) model.append(el('option', { value: name }, name));
  model.value = first;

  const params = el('div', { class: 'controls', id: 'params' });
  const drawParams = (): void => {
    params.replaceChildren();
    for (const [name, value] of Object.entries(settings$.value.params)) {
      const input = el('input', { type: 'number', step: 'any', value: String(value), 'data-param': name, style: 'width: 6em' });
      input.addEventListener('change', () => {
        const v = Number(input.value);
        update({ params: { ...settings$.value.params, [name]: v } });
      });
      params.append(labelled(name, input));
    }
  };
  model.addEventListener('change', () => {
    // Parameters with the same name keep their value; the others take the new model's defaults.
    const defaults = numericParams(available[model.value]!);
    const kept = Object.fromEntries(Object.keys(defaults).map((k) => [k, settings$.value.params[k] ?? defaults[k]!]));
    update({ model: model.value, params: kept });
    drawParams();
  });
  drawParams();

  row.append(play, labelled('speed', speed), labelled('dt (ms)', dt), labelled('input gain', gain, gainOut), labelled('model', model));
  container.append(row, params);
  return settings$;
};
