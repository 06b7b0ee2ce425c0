/**
 * Committed snapshots of every registered model's fully expanded per-neuron update
 * (`test/kernels/<Model>.js`), so that a reviewer reads a model whole in one file and sees
 * every change of generated code in a diff. The text is printed from the kernel front end's
 * intermediate form (`printUpdate`); `R(e)` marks an operation rounded to float32 in float32
 * runs. Regenerate after an intended change with `npm run kernels:update`.
 */
import { describe, expect, it } from 'vitest';
import { models } from '../../../src/neurons/registry.js';
import { irOf } from '../../../src/ops/update/parse.js';
import { printUpdate } from '../../../src/ops/update/print.js';

describe('snapshots of the expanded updates (test/kernels/)', () => {
  for (const [name, model] of Object.entries(models)) {
    it(`${name}`, async () => {
      const k = model.update;
      const header = [
        `// ${name} (spikeflow \`${model.id}\`): the per-neuron update, fully expanded.`,
        '// Generated from the model definition by test/ops/update/snapshots.test.ts; do not edit (npm run kernels:update).',
        `// inputs: ${k.inputs.join(', ')} · state: ${k.state.join(', ')} · output: ${k.output}`,
        '// R(e): e rounded to float32 in float32 runs (removed in float64).',
        '',
      ].join('\n');
      await expect(`${header}${printUpdate(irOf(k))}`).toMatchFileSnapshot(`../../kernels/${name}.js`);
    });
  }
});
