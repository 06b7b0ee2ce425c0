/**
 * Import rules of spikeflow (checked by `npm run check:imports`, in CI). The layers point
 * downwards only (see design.md): the browser-safe core — tensors and ops, models, networks,
 * training, streams — never imports a backend other than `js`, any I/O, plots, the CLI, a Node
 * built-in or a heavy optional dependency; backends register themselves and are imported by
 * their entries only; no cycles anywhere.
 * @type {import('dependency-cruiser').IConfiguration}
 */
const CORE = '^src/(index\\.ts$|ops/|neurons/|networks/|training/|streams/)';
// The registry and what every backend shares: request/result types (requests, convRequest, executed), the js
// kernels, and wasm/encoding.ts (WebAssembly's byte encoding, pure and platform-free, used by the
// training kernels that assemble WebAssembly at run time).
const CORE_BACKENDS =
  '^src/ops/backends/((backendRegistry|builtin|js|jsConv|device|convRequest|executed|requests)\\.ts$|wasm/encoding\\.ts$)';
const PLUGIN_BACKENDS = '^src/ops/backends/';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Modules import each other in a cycle; move what both need into a third module.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'core-not-to-backends',
      severity: 'error',
      comment:
        'The core knows the js backend only; other backends register themselves from their entries (spikeflow/gpu, spikeflow/threads).',
      from: { path: CORE, pathNot: PLUGIN_BACKENDS },
      to: { path: PLUGIN_BACKENDS, pathNot: CORE_BACKENDS },
    },
    {
      name: 'core-not-to-io-viz-cli',
      severity: 'error',
      comment: 'The core does no I/O, draws nothing and knows no CLI (src/io, src/viz, src/nir, src/cli are above it).',
      from: { path: CORE },
      to: { path: '^src/(io|viz|nir|cli)/' },
    },
    {
      name: 'core-not-to-node-builtins',
      severity: 'error',
      comment: 'The core runs in browsers: no Node built-ins (node:fs, node:worker_threads, …).',
      from: { path: CORE, pathNot: PLUGIN_BACKENDS },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'core-not-to-heavy-dependencies',
      severity: 'error',
      comment: 'gpu.js, acorn, linkedom, HDF5, sockets, CSV and CLI libraries stay out of the core.',
      from: { path: CORE, pathNot: PLUGIN_BACKENDS },
      to: {
        path: 'node_modules/(gpu\\.js|acorn|linkedom|htmlparser2|h5wasm|ws|csv-parse|commander|cli-progress|wavefile|fzstd|lz4js|flatbuffers)/',
      },
    },
    {
      name: 'formats-are-pure',
      severity: 'error',
      comment: 'Format decoders take bytes and return events: no Node built-ins, no Node or browser I/O.',
      from: { path: '^src/io/formats/' },
      to: { path: '^src/io/(node|browser)/|^node:|^(fs|path|stream|net)$' },
    },
    {
      name: 'formats-no-node-builtins',
      severity: 'error',
      comment: 'Format decoders run in browsers too.',
      from: { path: '^src/(io/formats|io/browser|viz)/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'format-libraries-load-lazily',
      severity: 'error',
      comment:
        'Format-only libraries load at their first use (src/io/formats/libraries.ts, dynamic import or require), ' +
        'so that importing spikeflow/node does not load them; only the spikeflow/formats entry (eager.ts) imports them statically.',
      from: { path: '^src/', pathNot: '^src/(io/formats/eager|viz/nodeDocument)\\.ts$' },
      to: {
        path: 'node_modules/(ws|csv-parse|wavefile|fzstd|lz4js|flatbuffers|linkedom)/',
        dependencyTypesNot: ['dynamic-import', 'type-only'],
      },
    },
    {
      name: 'nothing-imports-the-cli',
      severity: 'error',
      comment: 'The CLI is a program on top of the library.',
      from: { path: '^src/', pathNot: '^src/cli/' },
      to: { path: '^src/cli/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['spikeflow-source', 'import', 'node', 'default'] },
    exclude: { path: '\\.d\\.ts$' },
  },
};
