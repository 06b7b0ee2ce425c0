/**
 * The spikeflow API as the live-coding pane sees it (`sf` in the editor): the whole browser-safe
 * core, exactly what `import … from 'spikeflow'` gives — tensors, linear maps, neuron models and
 * layers, encoders, decoders, streams. Every model of the registry is also reachable as
 * `sf.models.LIFEx`, `sf.modelByName('lsnn')`, etc.
 * @module
 */
export * from 'spikeflow';
