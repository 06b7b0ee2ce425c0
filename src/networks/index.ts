/**
 * Networks of populations joined by sparse, delayed projections (the class of Brian2 and NEST),
 * run as fused chunks and as RxJS operators, with monitors and analysis helpers.
 * @module
 */
export {
  type BrunelRegime,
  binnedRate,
  classifyBrunel,
  isiCv,
  meanRate,
  mergeSpikes,
  rateSpectrum,
  type Spectrum,
  spikeTensor,
  synchrony,
} from './analysis.js';
export { type BrunelOptions, brunelNetwork, cobaNetwork, cubaNetwork, type VogelsAbbottOptions } from './classic.js';
export { allToAll, type ConnectRule, fixedInDegree, fixedOutDegree, fixedProbability, fromList, oneToOne } from './connect.js';
export { type Distribution, normalDist, uniformDist, type Values } from './distributions.js';
export { currentDrive, type Drive, poissonDrive, poissonInput, streamInput } from './drives.js';
export { isSpikingNetworkJson, type JsonNetwork, spikingNetworkFromJson } from './json.js';
export {
  type NetworkChunk,
  type NetworkInput,
  type NetworkState,
  type PopulationState,
  type ProjectionInfo,
  type SpikeList,
  type SpikingNetwork,
  type SpikingNetworkSpec,
  type StateMonitorSpec,
  spikingNetwork,
} from './network.js';
export { pointLif, pointLifParameterSpecs, pointLifUpdate } from './pointLif.js';
export {
  conductancePort,
  currentPort,
  deltaPort,
  type Population,
  type PopulationOptions,
  type PortDecay,
  type PortSpec,
  population,
} from './population.js';
export { type Projection, type ProjectionOptions, projection } from './projection.js';
export { type NetworkStep, type RunNetworkOptions, runNetwork } from './runNetwork.js';
export { type SpikeRecord, spikeMonitor } from './spikeMonitor.js';
