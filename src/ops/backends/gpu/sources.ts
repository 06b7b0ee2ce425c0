/**
 * The gpu.js source texts of the gpu backend's kernels: the fused neuron run (the update printed from
 * the kernel front end's intermediate form inside a loop over a block's steps, see `../layout.ts`),
 * the state upload, the unpacking of packed spikes, and the dense linear map.
 * @module
 */
import type { NeuronUpdate } from '../../update/ir.js';
import { irOf } from '../../update/parse.js';
import { printBody } from '../../update/print.js';
import { BITS_PER_WORD, type NeuronLayout } from '../layout.js';

/** The update printed in gpu.js's subset: rounding as `Math.fround(...)` in cpu mode, removed on GL. */
export const lowered = (k: NeuronUpdate, cpu: boolean): string => printBody(irOf(k), cpu ? 'Math.fround' : 'none');

/**
 * gpu.js source that stores `value` into the output word `sfW<sfWi>` of the current step: an
 * `if … else if …` chain over `words` words (gpu.js kernels cannot index local variables).
 * @param words - output words per neuron in a block (1 or more)
 * @param value - the expression stored (a packed spike word or a state variable)
 */
export const flushChain = (words: number, value: string): string => {
  if (words === 1) return `sfW0 = ${value};`;
  const parts: string[] = [];
  for (let w = 0; w < words; w++) {
    const cond = w === words - 1 ? '' : `if (sfWi < ${w}.5) `;
    parts.push(`${w === 0 ? '' : 'else '}${cond}{ sfW${w} = ${value}; }`);
  }
  return parts.join(' ');
};

/**
 * The gpu.js source of one block of a fused neuron run (see `layout.ts`). Arguments: each kernel
 * input `sfX_<name>` (`[steps·M]` from `sfT0` on), the state outputs `sfS<g>`, `sfM`, `sfT0`,
 * `sfB` (steps of this block), the kernel parameters by name, `dt`.
 */
export const neuronKernelSource = (k: NeuronUpdate, layout: NeuronLayout, cpu: boolean, perNeuron?: readonly boolean[]): string => {
  const { S, packed, words, outputs, stateOutputs } = layout;
  const pn = (j: number): boolean => perNeuron?.[j] === true;
  const args = [
    ...k.inputs.map((n) => `sfX_${n}`),
    ...Array.from({ length: stateOutputs }, (_, g) => `sfS${g}`),
    'sfM',
    'sfT0',
    'sfB',
    ...k.params.map((n, j) => (pn(j) ? `sfP_${n}` : n)),
    'dt',
  ];
  const lines: string[] = [];
  k.params.forEach((n, j) => {
    if (pn(j)) lines.push(`const ${n} = sfP_${n}[this.thread.x];`);
  });
  for (let g = 0; g < stateOutputs; g++) lines.push(`const sfSt${g} = sfS${g}[this.thread.x];`);
  k.state.forEach((name, s) => {
    lines.push(`let ${name} = sfSt${s >> 2}[${s & 3}];`);
  });
  for (let w = 0; w < words; w++) lines.push(`let sfW${w} = 0;`);
  lines.push('let sfWi = 0;', 'let sfAcc = 0;', 'let sfP = 1;');
  lines.push('for (let sfT = 0; sfT < sfB; sfT++) {');
  for (const n of k.inputs) lines.push(`const ${n} = sfX_${n}[(sfT0 + sfT) * sfM + this.thread.x];`);
  lines.push(lowered(k, cpu));
  if (packed) {
    lines.push(`sfAcc = sfAcc + ${k.output} * sfP;`, 'sfP = sfP * 2;');
    lines.push(`if (sfP > ${2 ** BITS_PER_WORD - 1}) { ${flushChain(words, 'sfAcc')} sfAcc = 0; sfP = 1; sfWi = sfWi + 1; }`);
  } else {
    for (const v of [k.output, ...(layout.perStep > 1 ? k.state : [])]) {
      lines.push(`${flushChain(words, v)} sfWi = sfWi + 1;`);
    }
  }
  lines.push('}');
  if (packed) lines.push(`if (sfP > 1.5) { ${flushChain(words, 'sfAcc')} }`);
  const slot = (j: number): string => (j < S ? (k.state[j] as string) : j - S < words ? `sfW${j - S}` : '0');
  const vec = (g: number): string => `[${[0, 1, 2, 3].map((c) => slot(4 * g + c)).join(', ')}]`;
  for (let g = 1; g < outputs; g++) lines.push(`sfO${g}(${vec(g)});`);
  lines.push(`return ${vec(0)};`);
  return `function (${args.join(', ')}) {\n${lines.join('\n')}\n}`;
};

/** Source of the host-state upload kernel: packs up to 4 arrays into one RGBA output. */
export const packSource = (count: number): string =>
  `function (${Array.from({ length: count }, (_, j) => `a${j}`).join(', ')}) {\n  return [${[0, 1, 2, 3]
    .map((j) => (j < count ? `a${j}[this.thread.x]` : '0'))
    .join(', ')}];\n}`;

/**
 * Source of the kernel that turns a neuron block's RGBA outputs into its dense output `[T·M]`
 * on the device (spikes unpacked from their words), for a following linear map.
 */
export const unpackSource = (layout: NeuronLayout): string => {
  const { S, packed, perStep, outputs } = layout;
  const lines = [
    'const sfIdx = this.thread.x;',
    'let sfT = Math.floor(sfIdx / sfM);',
    'let sfN = sfIdx - sfT * sfM;',
    'if (sfN < 0) { sfT = sfT - 1; sfN = sfN + sfM; }',
    'if (sfN > sfM - 0.5) { sfT = sfT + 1; sfN = sfN - sfM; }',
  ];
  if (packed) {
    lines.push(
      `const sfWord = Math.floor(sfT / ${BITS_PER_WORD});`,
      `const sfBit = sfT - sfWord * ${BITS_PER_WORD};`,
      `const sfSlot = ${S} + sfWord;`,
    );
  } else {
    lines.push(`const sfSlot = ${S} + sfT * ${perStep};`);
  }
  lines.push('const sfG = Math.floor(sfSlot / 4);', 'const sfC = sfSlot - sfG * 4;', 'let sfV = 0;');
  for (let g = 0; g < outputs; g++) {
    lines.push(
      `if (sfG > ${g - 0.5} && sfG < ${g + 0.5}) { const sfA${g} = sfO${g}[sfN]; sfV = sfC < 0.5 ? sfA${g}[0] : (sfC < 1.5 ? sfA${g}[1] : (sfC < 2.5 ? sfA${g}[2] : sfA${g}[3])); }`,
    );
  }
  if (packed) {
    lines.push(
      'let sfP = 1;',
      `for (let sfB = 0; sfB < ${BITS_PER_WORD}; sfB++) { if (sfB < sfBit) { sfP = sfP * 2; } }`,
      'const sfQ = Math.floor(sfV / sfP);',
      'return sfQ - 2 * Math.floor(sfQ / 2);',
    );
  } else {
    lines.push('return sfV;');
  }
  const args = [...Array.from({ length: outputs }, (_, g) => `sfO${g}`), 'sfM'];
  return `function (${args.join(', ')}) {\n${lines.join('\n')}\n}`;
};

/** Source of the dense product: one thread per output element `(r, o)` of `[R, O]`, summing k upward. */
export const linearSource = (cpu: boolean): string => {
  const f = (e: string): string => (cpu ? `Math.fround(${e})` : `(${e})`);
  return `function (sfX, sfW, sfBias, sfK, sfO) {
  const sfIdx = this.thread.x;
  let sfR = Math.floor(sfIdx / sfO);
  let sfC = sfIdx - sfR * sfO;
  if (sfC < 0) { sfR = sfR - 1; sfC = sfC + sfO; }
  if (sfC > sfO - 0.5) { sfR = sfR + 1; sfC = sfC - sfO; }
  let sfAcc = 0;
  for (let k = 0; k < sfK; k++) {
    sfAcc = ${f(`sfAcc + ${f('sfX[sfR * sfK + k] * sfW[sfC * sfK + k]')}`)};
  }
  return ${f('sfAcc + sfBias[sfC]')};
}`;
};
