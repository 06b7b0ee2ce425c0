/**
 * Provides every format-only library at once (static imports): imported by the `spikeflow/formats`
 * entry so that its decoders run synchronously in browsers, where a library cannot be loaded at
 * its first use (`libraries.ts`). A side-effect module (listed in package.json `sideEffects`).
 * @module
 */
import * as flatbuffers from 'flatbuffers';
import * as fzstd from 'fzstd';
import * as linkedom from 'linkedom';
import * as lz4js from 'lz4js';
import * as wavefile from 'wavefile';
import { provideFormatLibraries } from './libraries.js';

provideFormatLibraries({ flatbuffers, fzstd, lz4js, linkedom, wavefile });
