/** Types of the part of `js-md4` (CommonJS, no bundled types) the simulator uses. */
declare module "js-md4" {
  interface Md4 {
    /** The MD4 digest of the bytes, as an ArrayBuffer. */
    arrayBuffer(message: ArrayBuffer | Uint8Array | string): ArrayBuffer;
  }
  const md4: Md4;
  export default md4;
}
