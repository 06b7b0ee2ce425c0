/**
 * The pipeline the live-coding pane starts with (plain JavaScript, the body of a function of
 * `sf` (spikeflow) and `d3`).
 * @module
 */
export const exampleCode = `// A live pipeline. Edit anything: it re-runs as you type.
// \`sf\` is spikeflow, \`d3\` is d3. Return { neurons, input, network, dt }.

const neurons = 60;
const dt = 0.001; // seconds per step

// The input current of every neuron at step t: a wave travelling across the population.
const input = (t) =>
  Array.from({ length: neurons }, (_, n) => 0.4 * Math.max(0, Math.sin(2 * Math.PI * (t * dt * 2 - n / neurons))));

// The network: LIF neurons (Norse's defaults, a faster membrane), then the spikes come out.
// Try vTh: 0.5, another model (sf.lifBox, sf.models.LIFAdEx), or a linear layer in between.
const network = sf.sequential(sf.neuron(sf.lif, { tauMemInv: 150 }, dt));

return { neurons, input, network, dt };
`;
