/**
 * spikeflow for Node: everything of the main entry plus the readers that use Node's file system,
 * streams and sockets (event files, WAV and CSV files, stdin, WebSocket). Import from
 * `spikeflow/node` in Node programs; browsers use `spikeflow`.
 * @packageDocumentation
 */
export * from './index.js';
export * from './io/node/index.js';
