/** Types for the parts of `lz4js` (LZ4 frame format, pure JavaScript) used by the AEDAT 4 reader. */
declare module 'lz4js' {
  /** Upper bound of the decompressed size of an LZ4 frame, read from its header and block headers. */
  export function decompressBound(src: Uint8Array): number;
  /** Decompresses one LZ4 frame; `maxSize` bounds the output buffer. */
  export function decompress(src: Uint8Array, maxSize?: number): Uint8Array;
  /**
   * Decodes the LZ4 block `src[sIndex, sIndex + sLength)` into `dst` from `dIndex` (earlier bytes of
   * `dst` serve as the match history); returns the new end of the output.
   */
  export function decompressBlock(src: Uint8Array, dst: Uint8Array, sIndex: number, sLength: number, dIndex: number): number;
  /** Compresses to one LZ4 frame. */
  export function compress(src: Uint8Array, maxSize?: number): Uint8Array;
}
