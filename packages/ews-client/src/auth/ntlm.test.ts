import { describe, expect, it } from "vitest";
import { EwsInputError, EwsProtocolError } from "../errors.js";
import { ntlmAuth, ntlmAuthenticateMessage, ntlmChallengeOf, parseNtlmUsername } from "./ntlm.js";

/** A type 2 message with the given flags and, optionally, target information (MS-NLMP 2.2.1.2). */
function challenge(flags: number, targetInfo: Buffer | undefined): string {
  const name = Buffer.from("EXAMPLE", "utf16le");
  const info = targetInfo ?? Buffer.alloc(0);
  const header = Buffer.alloc(48);
  header.write("NTLMSSP\0", 0, "ascii");
  header.writeUInt32LE(2, 8);
  header.writeUInt16LE(name.length, 12);
  header.writeUInt16LE(name.length, 14);
  header.writeUInt32LE(48, 16);
  header.writeUInt32LE(flags >>> 0, 20);
  Buffer.from("0123456789abcdef", "hex").copy(header, 24);
  header.writeUInt16LE(info.length, 40);
  header.writeUInt16LE(info.length, 42);
  header.writeUInt32LE(48 + name.length, 44);
  return Buffer.concat([header, name, info]).toString("base64");
}

/** A security buffer (length, offset) of a type 3 message. */
function securityBuffer(message: Buffer, at: number): Buffer {
  return message.subarray(message.readUInt32LE(at + 4), message.readUInt32LE(at + 4) + message.readUInt16LE(at));
}

const UNICODE = 0x1;
const OEM = 0x2;
const NTLM = 0x200;
const TARGET_INFO = 0x800000;
const TERMINATED_INFO = Buffer.from([2, 0, 4, 0, 0x45, 0, 0x58, 0, 0, 0, 0, 0]);

describe("NTLM helpers", () => {
  it("splits DOMAIN\\user and keeps a UPN whole", () => {
    expect(parseNtlmUsername("CONTOSO\\alice")).toEqual({ user: "alice", domain: "CONTOSO" });
    expect(parseNtlmUsername("alice@contoso.com")).toEqual({ user: "alice@contoso.com", domain: "" });
    expect(parseNtlmUsername("alice")).toEqual({ user: "alice", domain: "" });
  });
  it("finds the NTLM challenge among joined WWW-Authenticate values", () => {
    expect(ntlmChallengeOf("Negotiate, NTLM TlRMTVNTUAACAAAA==")).toBe("TlRMTVNTUAACAAAA==");
    expect(ntlmChallengeOf("NTLM")).toBeUndefined();
    expect(ntlmChallengeOf('Basic realm="x"')).toBeUndefined();
  });
  it("refuses an empty user name with a typed error naming the field", () => {
    expect(() => ntlmAuth({ username: "", password: "x" })).toThrow(EwsInputError);
    try {
      ntlmAuth({ username: "DOMAIN\\", password: "x" });
    } catch (error) {
      expect((error as EwsInputError).field).toBe("username");
    }
  });

  it("always answers with NTLMv2, in Unicode when the server allows it, even without extended session security", () => {
    // OEM and Unicode both offered, no NEGOTIATE_EXTENDED_SESSIONSECURITY: the library alone would send LM/NTLMv1 in OEM.
    const message = Buffer.from(
      ntlmAuthenticateMessage(challenge(UNICODE | OEM | NTLM | TARGET_INFO, TERMINATED_INFO), { username: "EXAMPLE\\jürgen", password: "Grüße" }).slice(5),
      "base64",
    );
    expect(message.readUInt32LE(8)).toBe(3);
    expect(securityBuffer(message, 20).length).toBeGreaterThan(24); // NTLMv2 response (NTProofStr + blob), not 24 bytes of v1
    expect(securityBuffer(message, 36).toString("utf16le")).toBe("jürgen");
    expect(securityBuffer(message, 28).toString("utf16le")).toBe("EXAMPLE");
  });
  it("refuses a challenge without target information (NTLMv2 impossible) or a malformed one, with a typed error", () => {
    expect(() => ntlmAuthenticateMessage(challenge(UNICODE | NTLM, undefined), { username: "alice", password: "x" })).toThrow(EwsProtocolError);
    expect(() => ntlmAuthenticateMessage("bm90IG50bG0=", { username: "alice", password: "x" })).toThrow(EwsProtocolError);
  });
});
