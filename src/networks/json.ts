/**
 * Spiking networks described as JSON (the `--network` file of `spikeflow run` when it has
 * `populations`):
 * ```json
 * { "seed": 1,
 *   "populations": {
 *     "E": { "model": "PointLIF", "n": 3200, "refractory": 0.005,
 *            "params": { "vLeak": -49, "vTh": -50, "vReset": -60 },
 *            "init": { "v": { "uniform": [-60, -50] } },
 *            "ports": { "ge": { "current": 0.005 }, "gi": { "current": 0.01 } } } },
 *   "projections": [
 *     { "from": "E", "to": "E", "port": "ge", "connect": { "fixedProbability": 0.02 }, "weight": 1.62, "delay": 0 } ],
 *   "drives": [ { "poissonInput": { "to": "E", "port": "ge", "n": 100, "rate": 10, "weight": 0.5 } } ],
 *   "input": { "to": "E", "port": "ge" } }
 * ```
 * - `model`: `PointLIF` or any feed-forward spiking model by Norse class name; `params` (numbers,
 *   lists per neuron, or distributions `{ "uniform": [low, high] }`, `{ "normal": [mean, sd] }`);
 * - ports: `{ "current": τ }`, `{ "conductance": τ, "reversal": E }`, `{ "delta": true }` (or `{ "delta": "w" }` for a target);
 * - connect: `"allToAll"`, `"oneToOne"`, `{ "fixedProbability": p }`, `{ "fixedInDegree": k }`,
 *   `{ "fixedOutDegree": k }`, `{ "fromList": [[i…], [j…]] }`; weight and delay numbers or distributions;
 * - drives: `poissonDrive`, `poissonInput` (options as the functions), `{ "current": { "to", "value" } }`;
 * - `input` (optional): the population (and port) that the `run` input feeds; its size must equal the input's.
 * The time step comes from the caller (`--dt`).
 * @module
 */

import type { NeuronModel } from '../neurons/model.js';
import { modelByName } from '../neurons/registry.js';
import { errorDetail, SpikeflowError, show } from '../ops/errors.js';
import { allToAll, type ConnectRule, fixedInDegree, fixedOutDegree, fixedProbability, fromList, oneToOne } from './connect.js';
import { normalDist, uniformDist, type Values } from './distributions.js';
import { currentDrive, type Drive, poissonDrive, poissonInput, streamInput } from './drives.js';
import { type SpikingNetwork, spikingNetwork } from './network.js';
import { pointLif } from './pointLif.js';
import { conductancePort, currentPort, deltaPort, type PortSpec, population } from './population.js';
import { projection } from './projection.js';

const where = 'network';

/**
 * Builds the network, naming the file's path in errors of the parts: a population's
 * `populations.E.params.tauMemInv: tauMemInv must be > 0, …` instead of `population E: …`.
 */
const built = <T>(build: () => T): T => {
  try {
    return build();
  } catch (e) {
    if (!(e instanceof SpikeflowError)) throw e;
    const pop = /^population (.+)$/.exec(e.where)?.[1];
    const detail = errorDetail(e);
    if (pop !== undefined) throw new SpikeflowError(where, `populations.${pop}.${e.argument}`, `populations.${pop}.${detail}`);
    if (e.where === 'spikingNetwork') throw new SpikeflowError(where, e.argument, detail);
    throw e;
  }
};

/** Whether a parsed network file describes a spiking network (has `populations`). */
export const isSpikingNetworkJson = (json: unknown): boolean =>
  json !== null && typeof json === 'object' && 'populations' in (json as object);

const obj = (argument: string, v: unknown): Record<string, unknown> => {
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw new SpikeflowError(where, argument, `${argument} must be an object, received ${show(v)}`);
  return v as Record<string, unknown>;
};
const keysOnly = (argument: string, o: Record<string, unknown>, allowed: readonly string[]): void => {
  const extra = Object.keys(o).find((k) => !allowed.includes(k));
  if (extra !== undefined)
    throw new SpikeflowError(where, argument, `${argument} has unknown key ${JSON.stringify(extra)}; expected ${allowed.join(', ')}`);
};

const values = (argument: string, v: unknown): Values => {
  if (typeof v === 'number' || Array.isArray(v)) return v as Values;
  const o = obj(argument, v);
  const pair = (k: string): [number, number] => {
    const p = o[k];
    if (!Array.isArray(p) || p.length !== 2)
      throw new SpikeflowError(where, argument, `${argument}.${k} must be [a, b], received ${show(p)}`);
    return p as [number, number];
  };
  if ('uniform' in o) return uniformDist(...pair('uniform'));
  if ('normal' in o) return normalDist(...pair('normal'));
  throw new SpikeflowError(
    where,
    argument,
    `${argument} must be a number, a list, { "uniform": [low, high] } or { "normal": [mean, sd] }, received ${show(v)}`,
  );
};

const port = (argument: string, v: unknown): PortSpec => {
  const o = obj(argument, v);
  if ('current' in o) return currentPort(o.current as number);
  if ('conductance' in o) return conductancePort(o.conductance as number, o.reversal as number);
  if ('delta' in o) return deltaPort(typeof o.delta === 'string' ? o.delta : undefined);
  throw new SpikeflowError(
    where,
    argument,
    `${argument} must be { "current": τ }, { "conductance": τ, "reversal": E } or { "delta": true }, received ${show(v)}`,
  );
};

const rule = (argument: string, v: unknown): ConnectRule => {
  if (v === 'allToAll') return allToAll();
  if (v === 'oneToOne') return oneToOne();
  const o = obj(argument, v);
  if ('fixedProbability' in o) return fixedProbability(o.fixedProbability as number);
  if ('fixedInDegree' in o) return fixedInDegree(o.fixedInDegree as number);
  if ('fixedOutDegree' in o) return fixedOutDegree(o.fixedOutDegree as number);
  if ('fromList' in o && Array.isArray(o.fromList) && o.fromList.length === 2)
    return fromList(o.fromList[0] as number[], o.fromList[1] as number[]);
  throw new SpikeflowError(
    where,
    argument,
    `${argument} must be "allToAll", "oneToOne", { "fixedProbability": p }, { "fixedInDegree": k }, { "fixedOutDegree": k } or { "fromList": [[i…], [j…]] }, received ${show(v)}`,
  );
};

const modelOf = (argument: string, name: unknown): NeuronModel => {
  if (typeof name !== 'string') throw new SpikeflowError(where, argument, `${argument} must be a model name, received ${show(name)}`);
  if (name.toLowerCase() === 'pointlif') return pointLif as unknown as NeuronModel;
  try {
    return modelByName(name);
  } catch {
    throw new SpikeflowError(where, argument, `${argument} ${JSON.stringify(name)} is not PointLIF or a neuron model`);
  }
};

/** A network built from JSON, with the name of its stream input (when it has `input`). */
export interface JsonNetwork {
  readonly net: SpikingNetwork;
  /** `input` when the description has an `input` entry, else undefined. */
  readonly input?: string;
  /** Size of the input population (what the run input must have). */
  readonly inputSize?: number;
}

/**
 * Builds a spiking network from its JSON description (see module docs).
 * @param json - the parsed file
 * @param dt - time step in seconds
 * @throws SpikeflowError naming the offending entry
 */
export const spikingNetworkFromJson = (json: unknown, dt: number): JsonNetwork => {
  const o = obj('network', json);
  keysOnly('network', o, ['seed', 'populations', 'projections', 'drives', 'input', 'monitors']);
  const pops = obj('populations', o.populations);
  const populations = Object.fromEntries(
    Object.entries(pops).map(([name, pv]) => {
      const arg = `populations.${name}`;
      const p = obj(arg, pv);
      keysOnly(arg, p, ['model', 'n', 'params', 'init', 'refractory', 'ports', 'voltage']);
      const params =
        p.params === undefined
          ? undefined
          : Object.fromEntries(
              Object.entries(obj(`${arg}.params`, p.params)).map(([k, v]) => [
                k,
                typeof v === 'string' || typeof v === 'boolean' ? v : values(`${arg}.params.${k}`, v),
              ]),
            );
      const init =
        p.init === undefined
          ? undefined
          : Object.fromEntries(Object.entries(obj(`${arg}.init`, p.init)).map(([k, v]) => [k, values(`${arg}.init.${k}`, v)]));
      const ports =
        p.ports === undefined
          ? undefined
          : Object.fromEntries(Object.entries(obj(`${arg}.ports`, p.ports)).map(([k, v]) => [k, port(`${arg}.ports.${k}`, v)]));
      return [
        name,
        population(modelOf(`${arg}.model`, p.model ?? 'PointLIF'), p.n as number, {
          ...(params === undefined ? {} : { params: params as never }),
          ...(init === undefined ? {} : { init }),
          ...(ports === undefined ? {} : { ports }),
          ...(p.refractory === undefined ? {} : { refractory: p.refractory as number }),
          ...(p.voltage === undefined ? {} : { voltage: p.voltage as string }),
        }),
      ];
    }),
  );
  const projList = o.projections === undefined ? [] : o.projections;
  if (!Array.isArray(projList)) throw new SpikeflowError(where, 'projections', `projections must be a list, received ${show(projList)}`);
  const projections = projList.map((pv, k) => {
    const arg = `projections[${k}]`;
    const p = obj(arg, pv);
    keysOnly(arg, p, ['from', 'to', 'port', 'connect', 'weight', 'delay', 'autapses', 'seed']);
    return projection(p.from as string, p.to as string, {
      connect: rule(`${arg}.connect`, p.connect),
      port: p.port as string,
      ...(p.weight === undefined ? {} : { weight: values(`${arg}.weight`, p.weight) }),
      ...(p.delay === undefined ? {} : { delay: values(`${arg}.delay`, p.delay) }),
      ...(p.autapses === undefined ? {} : { autapses: p.autapses === true }),
      ...(p.seed === undefined ? {} : { seed: p.seed as number }),
    });
  });
  const driveList = o.drives === undefined ? [] : o.drives;
  if (!Array.isArray(driveList)) throw new SpikeflowError(where, 'drives', `drives must be a list, received ${show(driveList)}`);
  const drives: Drive[] = driveList.map((dv, k) => {
    const arg = `drives[${k}]`;
    const d = obj(arg, dv);
    const [kind, body] = Object.entries(d)[0] ?? [];
    const b = obj(`${arg}.${kind}`, body);
    if (kind === 'poissonDrive') return poissonDrive(b.to as string, b as never);
    if (kind === 'poissonInput') return poissonInput(b.to as string, b as never);
    if (kind === 'current') return currentDrive(b.to as string, b.value as number);
    throw new SpikeflowError(
      where,
      arg,
      `${arg} must be { "poissonDrive": … }, { "poissonInput": … } or { "current": … }, received ${show(dv)}`,
    );
  });
  let input: string | undefined;
  let inputSize: number | undefined;
  if (o.input !== undefined) {
    const i = obj('input', o.input);
    keysOnly('input', i, ['to', 'port']);
    drives.push(streamInput('input', i.to as string, i.port === undefined ? {} : { port: i.port as string }));
    input = 'input';
    inputSize = (obj(`populations.${String(i.to)}`, pops[i.to as string]).n as number) ?? undefined;
  }
  const net = built(() =>
    spikingNetwork({
      dt,
      ...(o.seed === undefined ? {} : { seed: o.seed as number }),
      populations,
      projections,
      drives,
      ...(o.monitors === undefined ? {} : { monitors: o.monitors as never }),
    }),
  );
  return { net, ...(input === undefined ? {} : { input, inputSize: inputSize as number }) };
};
