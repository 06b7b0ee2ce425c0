import { firstValueFrom, from, map, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  allToAll,
  brunelNetwork,
  conductancePort,
  currentDrive,
  currentPort,
  deltaPort,
  fixedInDegree,
  fixedOutDegree,
  fixedProbability,
  fromList,
  type NetworkChunk,
  type NetworkState,
  normalDist,
  oneToOne,
  pointLif,
  poissonDrive,
  population,
  projection,
  runNetwork,
  spikeMonitor,
  spikingNetwork,
  streamInput,
} from '../../src/networks/index.js';
import { fromTypedArray } from '../../src/ops/tensor.js';

const small = (seed = 3) => brunelNetwork({ nE: 400, cE: 100, j: 1, g: 5, nuExtOverNuThr: 2, seed });

const concatSpikes = (chunks: readonly NetworkChunk[], pop: string) => {
  const i = chunks.flatMap((c) => Array.from(c.spikes[pop]?.i ?? []));
  const step = chunks.flatMap((c) => Array.from(c.spikes[pop]?.step ?? []));
  return { i, step };
};

const stateData = (s: NetworkState) =>
  Object.values(s.populations).flatMap((p) => [
    ...Object.values(p.state).map((t) => Array.from(t.data)),
    ...Object.values(p.ports).map((t) => Array.from(t.data)),
    ...Object.values(p.buffers).map((t) => Array.from(t.data)),
    Array.from(p.refractory.data),
  ]);

describe('spikingNetwork runs', () => {
  it('is chunk-invariant bit for bit (Brunel, delays, Poisson drive) and never changes the state it is given', () => {
    const net = small();
    const [whole, end] = net.run(600);
    expect(whole.spikes.E?.i.length).toBeGreaterThan(100);
    let state = net.initialState();
    const before = stateData(state);
    const chunks: NetworkChunk[] = [];
    const first = state;
    for (const T of [1, 7, 250, 1, 341]) {
      const [c, s] = net.run(T, state);
      chunks.push(c);
      state = s;
    }
    expect(stateData(first)).toEqual(before);
    expect(concatSpikes(chunks, 'E')).toEqual(concatSpikes([whole], 'E'));
    expect(concatSpikes(chunks, 'I')).toEqual(concatSpikes([whole], 'I'));
    expect(stateData(state)).toEqual(stateData(end));
    expect(state.step).toBe(600);
    expect(chunks.reduce((a, c) => a + c.events, 0)).toBe(whole.events);
  });

  it('is deterministic with a seed, and another seed gives another network and run', () => {
    const a = small(3).run(300)[0];
    const b = small(3).run(300)[0];
    const c = small(4).run(300)[0];
    expect(Array.from(a.spikes.E?.i ?? [])).toEqual(Array.from(b.spikes.E?.i ?? []));
    expect(Array.from(a.spikes.E?.i ?? [])).not.toEqual(Array.from(c.spikes.E?.i ?? []));
  });

  it('spikeMonitor keeps the latest max spikes of a stream and counts the dropped ones', async () => {
    const net = small();
    const [whole] = net.run(300);
    const all = Array.from(whole.spikes.E?.i ?? []);
    expect(all.length).toBeGreaterThan(60);
    const records = await firstValueFrom(
      from([100, 100, 100]).pipe(
        runNetwork(net),
        spikeMonitor('E', 50),
        map((r) => ({ total: r.total, dropped: r.dropped, i: Array.from(r.spikes().i) })),
        toArray(),
      ),
    );
    const last = records[2];
    expect(last?.total).toBe(all.length);
    expect(last?.dropped).toBe(all.length - 50);
    expect(last?.i).toEqual(all.slice(-50));
  });

  it('runNetwork over chunks equals one run', async () => {
    const net = small();
    const [whole] = net.run(200);
    const steps = await firstValueFrom(from([50, 1, 149]).pipe(runNetwork(net), toArray()));
    expect(
      concatSpikes(
        steps.map((s) => s.chunk),
        'E',
      ),
    ).toEqual(concatSpikes([whole], 'E'));
    expect(steps[2]?.state.step).toBe(200);
  });
});

describe('projections', () => {
  const pop = (n: number) => population(pointLif, n, { ports: { e: currentPort(0.005) } });
  const build = (connect: Parameters<typeof projection>[2]['connect'], nA = 50, nB = 40, self = false, autapses = false) =>
    spikingNetwork({
      dt: 1e-4,
      seed: 9,
      populations: { A: pop(nA), B: pop(nB) },
      projections: [projection('A', self ? 'A' : 'B', { connect, port: 'e', autapses })],
    }).projections[0];

  it('allToAll, oneToOne and autapses', () => {
    expect(build(allToAll())?.synapses).toBe(50 * 40);
    expect(build(allToAll(), 50, 40, true)?.synapses).toBe(50 * 49);
    expect(build(allToAll(), 50, 40, true, true)?.synapses).toBe(50 * 50);
    const one = build(oneToOne(), 30, 30)?.toList();
    expect(Array.from(one?.i ?? [])).toEqual(Array.from(one?.j ?? []));
    expect(() => build(oneToOne(), 30, 20)).toThrow(/oneToOne needs equal sizes, received 30 pre and 20 post/);
  });

  it('fixedInDegree: every post neuron has k distinct pre neurons, no autapses', () => {
    const l = build(fixedInDegree(7), 50, 50, true)?.toList();
    if (l === undefined) throw new Error('no projection');
    for (let j = 0; j < 50; j++) {
      const pre = Array.from(l.i).filter((_, s) => l.j[s] === j);
      expect(pre.length).toBe(7);
      expect(new Set(pre).size).toBe(7);
      expect(pre).not.toContain(j);
    }
  });

  it('fixedOutDegree: every pre neuron has k distinct post neurons', () => {
    const l = build(fixedOutDegree(5))?.toList();
    if (l === undefined) throw new Error('no projection');
    for (let i = 0; i < 50; i++) {
      const post = Array.from(l.j).filter((_, s) => l.i[s] === i);
      expect(new Set(post).size).toBe(5);
    }
    expect(() => build(fixedOutDegree(41))).toThrow(/fixedOutDegree\(41\) needs 41 distinct post neurons, but only 40 are available/);
  });

  it('fixedProbability makes p·N_pre·N_post synapses within 4 σ', () => {
    const n = build(fixedProbability(0.1), 400, 300)?.synapses ?? 0;
    const mean = 0.1 * 400 * 300;
    expect(Math.abs(n - mean)).toBeLessThan(4 * Math.sqrt(mean * 0.9));
  });

  it('fromList keeps per-synapse weights and delays with their synapses, in 8 + 1 bytes per synapse', () => {
    const net = spikingNetwork({
      dt: 1e-4,
      populations: { A: pop(3), B: pop(3) },
      projections: [
        projection('B', 'A', { connect: fromList([2, 0, 2], [1, 2, 0]), port: 'e', weight: [0.5, -1, 2], delay: [0, 0.001, 0.0005] }),
      ],
    });
    const p = net.projections[0];
    const l = p?.toList();
    expect(Array.from(l?.i ?? [])).toEqual([0, 2, 2]);
    expect(Array.from(l?.j ?? [])).toEqual([2, 1, 0]);
    expect(Array.from(l?.weight ?? [])).toEqual([-1, 0.5, 2]);
    expect(Array.from(l?.delay ?? []).map((d) => Math.round(d * 1e5))).toEqual([100, 0, 50]);
    expect(p?.bytesPerSynapse).toBe(9);
    const c = spikingNetwork({
      dt: 1e-4,
      populations: { A: pop(3) },
      projections: [projection('A', 'A', { connect: allToAll(), port: 'e', weight: 1 })],
    });
    expect(c.projections[0]?.bytesPerSynapse).toBe(4);
  });
});

describe('neurons, ports, delays', () => {
  it('a spike reaches its target 1 + round(delay/dt) steps later; a current port decays as e^{-t/τ}', () => {
    const dt = 1e-4;
    const net = spikingNetwork({
      dt,
      populations: {
        A: population(pointLif, 1, { params: { vLeak: -60, vTh: -50 } }),
        B: population(pointLif, 1, { params: { vTh: 100 }, ports: { e: currentPort(0.005), d: deltaPort() } }),
      },
      projections: [
        projection('A', 'B', { connect: allToAll(), port: 'e', weight: 2, delay: 0.0012 }),
        projection('A', 'B', { connect: allToAll(), port: 'd', weight: 0.5, delay: 0 }),
      ],
      drives: [currentDrive('A', (t) => (t < dt / 2 ? 1e5 : 0))],
      monitors: { B: { vars: ['e', 'v'], indices: [0] } },
    });
    const [c] = net.run(40);
    expect(Array.from(c.spikes.A?.step ?? [])).toEqual([0]);
    const e = c.state.B?.e?.data as Float32Array;
    // Arrives at step 1 + 12 = 13: the port holds 2 after use, then decays: recorded after the decay.
    expect(e[12]).toBe(0);
    const decay = Math.exp(-dt / 0.005);
    expect(e[13]).toBeCloseTo(2 * decay, 6);
    expect(e[23]).toBeCloseTo(2 * decay ** 11, 5);
    // The delta port acts at step 1: v jumps by 0.5 before the update.
    const v = c.state.B?.v?.data as Float32Array;
    expect((v[1] as number) - (v[0] as number)).toBeCloseTo(0.5 * (1 - dt * 50), 5);
  });

  it("a port with decay 'euler' decays by 1 − dt/τ per step (Brian2's method='euler'); a bad decay is named", () => {
    const dt = 1e-4;
    const net = spikingNetwork({
      dt,
      populations: {
        A: population(pointLif, 1, { params: { vLeak: -60, vTh: -50 } }),
        B: population(pointLif, 1, { params: { vTh: 100 }, ports: { g: conductancePort(0.01, 0, 'euler') } }),
      },
      projections: [projection('A', 'B', { connect: allToAll(), port: 'g', weight: 3 })],
      drives: [currentDrive('A', (t) => (t < dt / 2 ? 1e5 : 0))],
      monitors: { B: { vars: ['g'], indices: [0] } },
    });
    const g = net.run(30)[0].state.B?.g?.data as Float32Array;
    // Arrives at step 1, recorded after that step's decay: 3·(1 − dt/τ)^(t)
    expect(g[1]).toBeCloseTo(3 * (1 - dt / 0.01), 6);
    expect(g[21]).toBeCloseTo(3 * (1 - dt / 0.01) ** 21, 5);
    expect(g[21]).not.toBeCloseTo(3 * Math.exp((-21 * dt) / 0.01), 5);
    expect(() => currentPort(0.005, 'rk4' as never)).toThrow(/currentPort: decay must be "exact" or "euler", received "rk4"/);
  });

  it('refractory period: under strong drive the inter-spike interval is round(t_ref/dt) steps', () => {
    const net = spikingNetwork({
      dt: 1e-4,
      populations: { A: population(pointLif, 2, { refractory: 0.002 }) },
      drives: [currentDrive('A', 1e6)],
    });
    const [c] = net.run(100);
    const steps = Array.from(c.spikes.A?.step ?? []).filter((_, k) => c.spikes.A?.i[k] === 0);
    expect(steps.slice(0, 4)).toEqual([0, 20, 40, 60]);
  });

  it('per-neuron parameters: each neuron its own threshold, and distributions are seeded', () => {
    const net = spikingNetwork({
      dt: 1e-4,
      populations: { A: population(pointLif, 3, { params: { vTh: [-59, 1000, -59.5] } }) },
      drives: [currentDrive('A', 5)],
    });
    const [c] = net.run(200);
    const byNeuron = [0, 1, 2].map((n) => Array.from(c.spikes.A?.i ?? []).filter((i) => i === n).length);
    expect(byNeuron[1]).toBe(0);
    expect(byNeuron[0]).toBeLessThan(byNeuron[2] as number);
    const mk = (seed: number) =>
      spikingNetwork({ dt: 1e-4, seed, populations: { A: population(pointLif, 5, { init: { v: normalDist(-55, 2) } }) } }).initialState()
        .populations.A?.state.v?.data;
    expect(Array.from(mk(1) ?? [])).toEqual(Array.from(mk(1) ?? []));
    expect(Array.from(mk(1) ?? [])).not.toEqual(Array.from(mk(2) ?? []));
    expect(() =>
      spikingNetwork({ dt: 1e-4, populations: { A: population(pointLif, 3, { params: { integration: [1, 2, 3] as never } }) } }),
    ).toThrow(/params.integration cannot be per neuron/);
  });

  it('Poisson drive: mean count per neuron-step is n·rate·dt', () => {
    const net = spikingNetwork({
      dt: 1e-3,
      populations: { A: population(pointLif, 200, { params: { vTh: 1e9 }, ports: { e: currentPort(0.005) } }) },
      drives: [poissonDrive('A', { port: 'e', rate: 400, weight: 1 })],
      monitors: { A: { vars: ['e'], indices: Array.from({ length: 200 }, (_, i) => i) } },
    });
    // The port's value just after a step is (previous + arrivals)·decay: sum arrivals back.
    const [c] = net.run(50);
    const e = c.state.A?.e?.data as Float32Array;
    const decay = Math.exp(-1e-3 / 0.005);
    let total = 0;
    for (let t = 0; t < 50; t++)
      for (let n = 0; n < 200; n++) total += (e[t * 200 + n] as number) / decay - (t > 0 ? (e[(t - 1) * 200 + n] as number) : 0);
    const mean = total / (50 * 200);
    expect(mean).toBeGreaterThan(0.4 - 4 * Math.sqrt(0.4 / 10000));
    expect(mean).toBeLessThan(0.4 + 4 * Math.sqrt(0.4 / 10000));
  });

  it('stream inputs drive a population chunk by chunk', () => {
    const net = spikingNetwork({ dt: 1e-4, populations: { A: population(pointLif, 2) }, drives: [streamInput('x', 'A')] });
    const x = new Float32Array(20);
    for (let t = 0; t < 10; t++) x[t * 2] = 1e6;
    const [c] = net.run({ x: fromTypedArray(x, [10, 2]) });
    expect(Array.from(c.spikes.A?.i ?? []).every((i) => i === 0)).toBe(true);
    expect(c.spikes.A?.i.length).toBe(10);
    expect(() => net.run(5)).toThrow(/has stream inputs \(x\)/);
    expect(() => net.run({ x: fromTypedArray(new Float32Array(6), [2, 3]) })).toThrow(
      /input.x must be a tensor \[T, 2\] or \[T, 1, 2\], received shape \[2, 3\]/,
    );
  });

  it('errors name the argument', () => {
    const pop = population(pointLif, 4, { ports: { e: currentPort(0.005) } });
    expect(() =>
      spikingNetwork({ dt: 1e-4, populations: { A: pop }, projections: [projection('A', 'A', { connect: allToAll(), port: 'i' })] }),
    ).toThrow(/projections\[0\].port: population A has no port "i" \(ports: e\)/);
    expect(() =>
      spikingNetwork({ dt: 1e-4, populations: { A: pop }, projections: [projection('A', 'B', { connect: allToAll(), port: 'e' })] }),
    ).toThrow(/no population "B"/);
    expect(() => spikingNetwork({ dt: 1e-4, populations: { A: pop }, backend: 'gpu' })).toThrow(
      /backend must be "auto", one of|has no populationRun kernel/,
    );
    expect(() => currentPort(0)).toThrow(/tau must be a time constant > 0 in seconds, received 0/);
  });
});
