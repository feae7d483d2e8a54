/**
 * Types of the one part of `@ewsjs/ntlm-client` (CommonJS, no bundled types) the simulator uses:
 * the NT hash behind its NTLM verifier.
 */
declare module "@ewsjs/ntlm-client/lib/hash.js" {
  /** MD4(UTF-16LE(password)), the NT hash. */
  export function createNTLMHash(password: string): Buffer;
  const hash: { createNTLMHash: typeof createNTLMHash };
  export default hash;
}
