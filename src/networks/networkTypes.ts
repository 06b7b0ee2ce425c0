/**
 * The records a network run produces and consumes: a chunk's spikes, rates, monitored state and
 * events ({@link NetworkChunk}), and the network's state between chunks ({@link NetworkState}).
 * @module
 */
import type { Tensor } from '../ops/tensor.js';

/** Spikes of one population in one chunk: neuron index and step (absolute, from the network's start) of each spike, in time order. */
export interface SpikeList {
  readonly i: Int32Array;
  readonly step: Int32Array;
}

/** What a chunk produces. */
export interface NetworkChunk {
  /** Absolute index of the chunk's first step. */
  readonly start: number;
  /** Steps in the chunk. */
  readonly steps: number;
  /** Time step in seconds. */
  readonly dt: number;
  /** Spikes per population. */
  readonly spikes: Readonly<Record<string, SpikeList>>;
  /** Population rate per step in Hz (spikes / (N·dt)), per population. */
  readonly rate: Readonly<Record<string, Float32Array>>;
  /** Monitored variables per population: each `[T, k]` for the k monitored neurons. */
  readonly state: Readonly<Record<string, Readonly<Record<string, Tensor>>>>;
  /** Synaptic events (spikes × fan-out) delivered in the chunk. */
  readonly events: number;
}

/** State of one population. */
export interface PopulationState {
  /** Model state variables, each `[N]`. */
  readonly state: Readonly<Record<string, Tensor>>;
  /** Port states (current or conductance), each `[N]`. */
  readonly ports: Readonly<Record<string, Tensor>>;
  /** Steps each neuron stays refractory, `[N]`. */
  readonly refractory: Tensor;
  /** Ring buffer of each port: `[L, N]`, the weights arriving in each of the next `L` steps. */
  readonly buffers: Readonly<Record<string, Tensor>>;
}

/** State of a network (frozen; never changed by a run). */
export interface NetworkState {
  /** Steps run so far. */
  readonly step: number;
  readonly populations: Readonly<Record<string, PopulationState>>;
  /** Generator state of each drive (empty for drives that draw nothing). */
  readonly rng: readonly Uint32Array[];
}
