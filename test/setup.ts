// Tests that import the plots' modules directly (not through the `spikeflow/viz` entry) draw in
// linkedom's DOM in Node, as the Node build of `spikeflow/viz` does.
import '../src/viz/nodeDocument.js';
