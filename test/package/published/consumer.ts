// A user's program importing every entry of the built package: `npm run check:dts` type-checks it
// against the published declarations (dist/*.d.ts) in a strict project with skipLibCheck false.

import { type LIFParameters, lif, type Tensor, tensor } from 'spikeflow';
import * as backend from 'spikeflow/backend';
import * as browser from 'spikeflow/browser';
import * as formats from 'spikeflow/formats';
import * as gpu from 'spikeflow/gpu';
import * as nir from 'spikeflow/nir';
import * as node from 'spikeflow/node';
import * as threads from 'spikeflow/threads';
import * as viz from 'spikeflow/viz';

const p: Partial<LIFParameters> = { vTh: 1 };
const [z]: readonly [Tensor, ...unknown[]] = lif.run(p, 0.001)(tensor([[[0.5]]]));
export const used = [backend, browser, formats, gpu, nir, node, threads, viz, z];
