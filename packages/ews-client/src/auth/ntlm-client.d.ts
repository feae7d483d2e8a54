/** Types of the parts of `@ewsjs/ntlm-client` (CommonJS, no bundled types) that ewsdav uses. */
declare module "@ewsjs/ntlm-client" {
  /** A decoded NTLM type 2 (challenge) message. */
  export interface NtlmType2Message {
    flags: number;
    encoding: "ascii" | "ucs2";
    version: 1 | 2;
    challenge: Buffer;
    targetName: string;
    targetInfo?: { parsed: Record<string, string>; buffer: Buffer };
  }
  /** `NTLM <base64>` negotiate message. */
  export function createType1Message(workstation?: string, target?: string): string;
  /** Decodes `NTLM <base64>` or the bare base64 of a challenge. */
  export function decodeType2Message(message: string): NtlmType2Message;
  /** `NTLM <base64>` authenticate message (NTLMv2 when the challenge asks for extended session security). */
  export function createType3Message(type2: NtlmType2Message, username: string, password: string, workstation?: string, target?: string): string;
  const ntlm: {
    createType1Message: typeof createType1Message;
    decodeType2Message: typeof decodeType2Message;
    createType3Message: typeof createType3Message;
  };
  export default ntlm;
}

/** The hash helpers of `@ewsjs/ntlm-client` (the simulator uses the NT hash, MD4 of the UTF-16LE password). */
declare module "@ewsjs/ntlm-client/lib/hash.js" {
  /** MD4(UTF-16LE(password)), the NT hash. */
  export function createNTLMHash(password: string): Buffer;
  const hash: { createNTLMHash: typeof createNTLMHash };
  export default hash;
}
