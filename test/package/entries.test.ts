/**
 * The public API is what the package entries export, imported by the package's name as a user
 * does; any change to it shows up here as a change to the committed snapshot
 * (`exports.snapshot.json`; review it, then update with `npx vitest run test/package -u`).
 */
import { describe, expect, it } from 'vitest';
import { entryNames, runtimeValues, typeExports } from './entries.js';

describe('package entries', () => {
  const types = typeExports();

  it('export what the committed snapshot lists, values and types', async () => {
    await expect(`${JSON.stringify(types, null, 2)}\n`).toMatchFileSnapshot('./exports.snapshot.json');
  });

  it('export at run time (import by package name in Node) exactly the values the types declare', async () => {
    const values = await runtimeValues();
    expect(Object.keys(values)).toEqual(entryNames);
    for (const name of entryNames) expect({ [name]: values[name] }).toEqual({ [name]: types[name]?.values });
  });

  it('keep internals out of the core entry', () => {
    const core = new Set([...(types.spikeflow?.values ?? []), ...(types.spikeflow?.types ?? [])]);
    for (const internal of [
      'compileWasmKernel',
      'allocateShared',
      'tagExecution',
      'resetCode',
      'lifIntegrateAndFire',
      'orThrow',
      'checkDt',
    ]) {
      expect(core.has(internal), internal).toBe(false);
    }
    // the *Specs objects that describe each model's parameters are internal (the type ParamSpecs is not)
    expect((types.spikeflow?.values ?? []).filter((n) => n.endsWith('Specs'))).toEqual([]);
  });
});
