/**
 * The libraries that only some file formats need — `flatbuffers`, `fzstd`, `lz4js` and
 * linkedom's `DOMParser` (AEDAT 4), `wavefile` (WAV) — loaded at their first use, not when
 * spikeflow is imported: importing `spikeflow/node` loads none of them.
 *
 * The decoders are synchronous (`push(bytes)` returns events), so a library is fetched
 * synchronously the first time a decoder needs it: in Node through `require` (from
 * `process.getBuiltinModule('module')`, so this module stays free of Node imports and runs in
 * browsers). Where there is no `require` (browsers), the `spikeflow/formats` entry provides them
 * up front (`eager.ts`), or `await loadFormatLibraries()` fetches them with dynamic `import()`
 * (a bundler splits them into their own chunks).
 * @module
 */
import type { ByteBuffer } from 'flatbuffers';
import type { Decompress } from 'fzstd';
import { SpikeflowError } from '../../ops/errors.js';

/** The parts of each format library that the decoders use. */
export interface FormatLibraries {
  /** FlatBuffers reader (AEDAT 4 headers and packets). */
  readonly flatbuffers: { readonly ByteBuffer: typeof ByteBuffer };
  /** Zstandard decompressor (AEDAT 4 `ZSTD` packets). */
  readonly fzstd: { readonly Decompress: typeof Decompress };
  /** LZ4 block decompressor (AEDAT 4 `LZ4` packets). */
  readonly lz4js: {
    readonly decompressBlock: (src: Uint8Array, dst: Uint8Array, sIndex: number, sLength: number, dIndex: number) => number;
  };
  /** An XML parser (the AEDAT 4 IOHeader's stream description). */
  readonly linkedom: { readonly DOMParser: new () => { parseFromString(text: string, type: string): Document } };
  /**
   * WAV `fmt ` chunk reader (the part of wavefile's `WaveFile` the decoder uses; declared here so
   * that spikeflow's published types do not depend on wavefile's own declarations).
   */
  readonly wavefile: { readonly WaveFile: new () => { fromBuffer(bytes: Uint8Array, samples?: boolean): void; fmt: object } };
}

/** Name of a format library. */
export type FormatLibraryName = keyof FormatLibraries;

/** Every format library, in the order `loadFormatLibraries()` loads them. */
export const FORMAT_LIBRARIES: readonly FormatLibraryName[] = ['flatbuffers', 'fzstd', 'lz4js', 'linkedom', 'wavefile'];

/** The export `key` of a module, whether it arrives as an ES module or as CommonJS (`default`). */
const member = (m: unknown, key: string): unknown => {
  const o = m as Record<string, unknown> & { default?: Record<string, unknown> };
  return o[key] ?? o.default?.[key];
};

/** A library's parts from its module (ES or CommonJS). */
const parts = <K extends FormatLibraryName>(name: K, m: unknown): FormatLibraries[K] => {
  const keys: Record<FormatLibraryName, string> = {
    flatbuffers: 'ByteBuffer',
    fzstd: 'Decompress',
    lz4js: 'decompressBlock',
    linkedom: 'DOMParser',
    wavefile: 'WaveFile',
  };
  const key = keys[name];
  const value = member(m, key);
  if (value === undefined) throw new Error(`the ${name} package has no ${key}`);
  return { [key]: value } as unknown as FormatLibraries[K];
};

const loaded: { -readonly [K in FormatLibraryName]?: FormatLibraries[K] } = {};

/** Dynamic imports of each library (bundlers split them into chunks of their own). */
const importers: Record<FormatLibraryName, () => Promise<unknown>> = {
  flatbuffers: () => import('flatbuffers'),
  fzstd: () => import('fzstd'),
  lz4js: () => import('lz4js'),
  linkedom: () => import('linkedom'),
  wavefile: () => import('wavefile'),
};

/** Node's `require` relative to this module, or undefined outside Node (or before Node 20.16). */
const nodeRequire = (): ((id: string) => unknown) | undefined => {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const mod = proc?.getBuiltinModule?.('module') as { createRequire?: (from: string) => (id: string) => unknown } | undefined;
  return mod?.createRequire?.(import.meta.url);
};

/**
 * Provides libraries already loaded (the `spikeflow/formats` entry gives all of them, imported
 * statically, so that its decoders work at once in browsers).
 */
export const provideFormatLibraries = (libraries: { readonly [K in FormatLibraryName]?: unknown }): void => {
  for (const name of FORMAT_LIBRARIES) {
    const m = libraries[name];
    if (m !== undefined && loaded[name] === undefined) (loaded as Record<string, unknown>)[name] = parts(name, m);
  }
};

/**
 * Loads format libraries (all of them when none is named) with dynamic `import()`; afterwards the
 * decoders that need them run synchronously everywhere. Node does not need it (the decoders load
 * what they need at first use); in a browser it is needed only without the `spikeflow/formats`
 * entry.
 * @param names - the libraries to load (default: every one)
 */
export const loadFormatLibraries = async (...names: FormatLibraryName[]): Promise<void> => {
  for (const name of names.length === 0 ? FORMAT_LIBRARIES : names) {
    if (loaded[name] === undefined) (loaded as Record<string, unknown>)[name] = parts(name, await importers[name]());
  }
};

/** Whether a library is loaded (for tests and diagnostics). */
export const formatLibraryLoaded = (name: FormatLibraryName): boolean => loaded[name] !== undefined;

/**
 * A format library, loading it at first use (Node: `require`).
 * @param where - the decoder that needs it, for the message
 * @throws SpikeflowError when it is not loaded and cannot be loaded synchronously (a browser
 *   without the `spikeflow/formats` entry): the message says to `await loadFormatLibraries()`
 */
export const formatLibrary = <K extends FormatLibraryName>(where: string, name: K): FormatLibraries[K] => {
  const have = loaded[name];
  if (have !== undefined) return have as FormatLibraries[K];
  const require = nodeRequire();
  if (require === undefined) {
    throw new SpikeflowError(
      where,
      'format',
      `this format needs the ${name} library, which is not loaded: \`await loadFormatLibraries()\` first, or import the decoders from 'spikeflow/formats' (which loads them)`,
    );
  }
  const lib = parts(name, require(name));
  (loaded as Record<string, unknown>)[name] = lib;
  return lib;
};
