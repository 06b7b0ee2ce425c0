/**
 * The package's entries as a user sees them: each `spikeflow[/sub]` of `package.json`'s `exports`,
 * resolved by its package name (a package self-reference, with the `spikeflow-source` condition
 * pointing at the TypeScript sources), and the names each exports — values as Node's `import()`
 * sees them, values and types as TypeScript's checker sees them.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; exports: Record<string, unknown> };

/** `spikeflow`, `spikeflow/node`, … in `package.json` order. */
export const entryNames: readonly string[] = Object.keys(pkg.exports)
  .filter((sub) => sub !== './package.json')
  .map((sub) => `${pkg.name}${sub.slice(1)}`);

/** Exported names of one entry. */
export interface EntryExports {
  readonly values: readonly string[];
  readonly types: readonly string[];
}

/**
 * Values of every entry as Node's `import()` sees them, in a fresh Node process (tsx loads the
 * sources; `--conditions=spikeflow-source` picks them in `exports`).
 */
export const runtimeValues = async (): Promise<Record<string, string[]>> => {
  const script = `const out = {};
for (const name of ${JSON.stringify(entryNames)}) out[name] = Object.keys(await import(name)).sort();
process.stdout.write(JSON.stringify(out));
process.exit(0);`;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--conditions=spikeflow-source', '--import', 'tsx', '--input-type=module', '-e', script],
    { cwd: root, maxBuffer: 16 * 1024 * 1024 },
  );
  return JSON.parse(stdout) as Record<string, string[]>;
};

/** Values and types of every entry as TypeScript resolves `import … from '<entry>'` in this package. */
export const typeExports = (): Record<string, EntryExports> => {
  const config = ts.readConfigFile(join(root, 'tsconfig.json'), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  const from = join(root, 'test', 'package', 'entries.ts');
  const files = entryNames.map((name) => {
    const resolved = ts.resolveModuleName(name, from, options, ts.sys).resolvedModule;
    if (resolved === undefined) throw new Error(`TypeScript cannot resolve ${name} from the package itself`);
    return resolved.resolvedFileName;
  });
  const program = ts.createProgram(files, { ...options, noEmit: true });
  const checker = program.getTypeChecker();
  const out: Record<string, EntryExports> = {};
  entryNames.forEach((name, k) => {
    const source = program.getSourceFile(files[k] as string);
    const symbol = source === undefined ? undefined : checker.getSymbolAtLocation(source);
    if (symbol === undefined) throw new Error(`${name}: no module symbol`);
    const values: string[] = [];
    const types: string[] = [];
    for (const s of checker.getExportsOfModule(symbol)) {
      const target = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
      (target.flags & ts.SymbolFlags.Value ? values : types).push(s.getName());
    }
    out[name] = { values: values.sort(), types: types.sort() };
  });
  return out;
};
