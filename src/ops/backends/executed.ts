/**
 * The `Executed` record a kernel returns, in a module of its own so that the backend registry and
 * the request types of its kernels (`convRequest.ts`) can both use it without importing each other.
 * @module
 */

/** What a kernel reports it executed on, when that can differ from its backend's description (gpu.js fallbacks). */
export interface Executed {
  /** Device that ran, e.g. the gpu.js mode of the kernel that actually executed. */
  readonly device: string;
  /** Why it differs from the device asked for, when it does. */
  readonly note?: string | undefined;
}
