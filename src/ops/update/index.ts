/**
 * The kernel front end: a per-neuron update ({@link NeuronUpdate}) parsed once into an
 * intermediate form ({@link UpdateIR}), lowered to the `js` loop here, to WebAssembly SIMD and
 * gpu.js by the backends, printed for review, and differentiated for training.
 * @module
 */
export { type DerivativeOptions, type DerivativeTarget, derivative } from './derivative.js';
export {
  type ArithOp,
  type CompareOp,
  type Expr,
  MATH_FUNCTIONS,
  type MathFn,
  mapExpr,
  mapStatements,
  type NeuronUpdate,
  type Role,
  type Stmt,
  type UpdateIR,
} from './ir.js';
export { type CompiledUpdate, compileUpdate, type PerNeuronMask, type UpdateCall, updateSource } from './lowerJs.js';
export { irOf, parseUpdate, UpdateSyntaxError } from './parse.js';
export { printBody, printExpr, printStatements, type RoundingStyle } from './print.js';
export { type Binding, printStraightLine, type StraightLine, straightLine } from './straight.js';
