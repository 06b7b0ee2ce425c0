/**
 * Device-resident tensors: results a backend keeps in device memory (gpu.js textures) and copies
 * to the host only when a consumer reads `data`.
 *
 * A {@link DeviceGroup} holds the device copy of one or more tensors (e.g. every variable of a
 * neuron state, which share textures). Its tensors are ordinary {@link Tensor}s whose `data` is a
 * getter: the first read copies the whole group to the host and caches it.
 *
 * Lifetimes (deterministic, no reliance on garbage collection):
 * - a **state** group is *consumed* when it is passed to the next run on the backend that made
 *   it: the run takes its device storage and frees it after use. Reading a consumed state that
 *   was never read before throws a {@link SpikeflowError}; read `state.v.data` first to keep a
 *   host copy. A state is therefore used once, as a stream uses it.
 * - an **output** group (e.g. a linear map's result that the next layer reads on the device) is
 *   *retired* when its producer runs again: it is copied to the host first if it has not been,
 *   so an output never loses its values.
 * - a group that is dropped without being consumed (a state nobody passes on) frees its device
 *   memory when it is garbage-collected (`FinalizationRegistry`).
 * @module
 */
import { SpikeflowError } from '../errors.js';
import type { Tensor, TensorData } from '../tensor.js';

/** Device storage of a group of tensors, provided by a backend. */
export interface DeviceStorage {
  /** The backend instance that can read this storage directly. */
  readonly owner: object;
  /** Copies every tensor of the group to the host, in the group's order. */
  readonly read: () => readonly TensorData[];
  /** Frees the device memory. Called once. */
  readonly release: () => void;
}

/**
 * The device copy of a group of tensors, see the module docs.
 * @throws SpikeflowError from {@link DeviceGroup.hostArrays} when the device copy was consumed before any read
 */
export class DeviceGroup {
  private storage: DeviceStorage | undefined;
  private host: readonly TensorData[] | undefined;
  private consumedBy: string | undefined;
  /** The group's tensors, lazily copied to the host. */
  readonly tensors: readonly Tensor[];

  /**
   * @param storage - the device storage (owned by the group from now on)
   * @param shapes - shape of each tensor
   * @param kind - `state` (consumed on use) or `output` (copied before its storage is retired)
   */
  constructor(
    storage: DeviceStorage,
    shapes: readonly (readonly number[])[],
    readonly kind: 'state' | 'output',
  ) {
    this.storage = storage;
    // A group nobody consumes (a state that is dropped) frees its device memory when collected.
    finalizer?.register(this, storage, this);
    this.tensors = shapes.map((shape, k) => {
      const group = this;
      const t = Object.freeze({
        shape: Object.freeze([...shape]),
        get data(): TensorData {
          return group.hostArrays()[k] as TensorData;
        },
      });
      groups.set(t, group);
      return t;
    });
  }

  /** Whether the device copy is still held (not consumed or retired). */
  get onDevice(): boolean {
    return this.storage !== undefined;
  }

  /** Whether the host copy exists. */
  get onHost(): boolean {
    return this.host !== undefined;
  }

  /** The device storage, when held and owned by `owner` (a backend instance); it stays owned by the group. */
  peek(owner: object): DeviceStorage | undefined {
    return this.storage?.owner === owner ? this.storage : undefined;
  }

  /**
   * Host arrays of every tensor, copying them from the device on first use.
   * @throws SpikeflowError when the device copy was consumed by a later run before any read (a device-resident state is used once)
   */
  hostArrays(): readonly TensorData[] {
    if (this.host !== undefined) return this.host;
    if (this.storage === undefined) {
      throw new SpikeflowError(
        'device',
        this.kind,
        `this ${this.kind} lived on the device and was consumed by ${this.consumedBy ?? 'a later run'} before anything read it; ` +
          'a device-resident state is used once: read its data (e.g. state.v.data) before passing it on to keep a host copy',
      );
    }
    this.host = this.storage.read();
    return this.host;
  }

  /**
   * Takes the device storage for a run on `owner` (a state's consumption): returns it and forgets
   * it, or undefined when the group is not on `owner`'s device (the caller then reads `data`).
   * The caller must release the returned storage.
   */
  take(owner: object, by: string): DeviceStorage | undefined {
    const s = this.storage;
    if (s === undefined || s.owner !== owner) return undefined;
    finalizer?.unregister(this);
    this.storage = undefined;
    this.consumedBy = by;
    return s;
  }

  /**
   * Frees the device copy. Outputs are first copied to the host (when not yet), so their values
   * stay readable; states are dropped (see the module docs).
   */
  retire(by: string): void {
    const s = this.storage;
    if (s === undefined) return;
    if (this.kind === 'output' && this.host === undefined) this.host = s.read();
    finalizer?.unregister(this);
    this.storage = undefined;
    this.consumedBy = by;
    s.release();
  }
}

const groups = new WeakMap<object, DeviceGroup>();

const finalizer =
  typeof FinalizationRegistry === 'undefined' ? undefined : new FinalizationRegistry<DeviceStorage>((storage) => storage.release());

/** The device group a tensor belongs to, or undefined for an ordinary host tensor. */
export const deviceGroupOf = (t: unknown): DeviceGroup | undefined =>
  t !== null && typeof t === 'object' ? groups.get(t as object) : undefined;

/** Whether a tensor is device-resident (its `data` is copied from a device on demand). */
export const isDeviceTensor = (t: unknown): boolean => deviceGroupOf(t) !== undefined;
