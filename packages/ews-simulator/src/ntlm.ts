/**
 * Server side of NTLM for the simulator: issues challenges and really verifies NTLMv2 responses,
 * per connection, as IIS does for Exchange.
 *
 * Verification (MS-NLMP 3.3.2): NTOWFv2 = HMAC-MD5(MD4(UTF-16LE(password)), UTF-16LE(upper(user) + domain))
 * with user and domain exactly as the client sent them; NTProofStr = HMAC-MD5(NTOWFv2, server challenge
 * + the client's blob) must equal the first 16 bytes of the NT response. A wrong password fails with 401.
 * MD4 comes from node:crypto when the OpenSSL build has it, else from the NTLM library's NT hash
 * (js-md4); the unit test checks the result against the MS-NLMP test vector.
 * @module
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import ntlmHash from "@ewsjs/ntlm-client/lib/hash.js";

/** One account the simulator accepts over NTLM. */
export interface NtlmAccount {
  /** sAMAccountName, e.g. `alice`. */
  user: string;
  /** NetBIOS domain, e.g. `EXAMPLE`. */
  domain: string;
  /** UPN, e.g. `alice@example.com` (accepted in the user field with an empty or any domain). */
  upn?: string;
  /** The password (any Unicode). */
  password: string;
}

/** Options of {@link createNtlmVerifier}. */
export interface NtlmVerifierOptions {
  accounts: readonly NtlmAccount[];
  /** NetBIOS domain announced in the challenge (default `EXAMPLE`). */
  netbiosDomain?: string;
  /** DNS domain announced in the challenge (default `example.com`). */
  dnsDomain?: string;
  /** Also announce Basic in `WWW-Authenticate` (for clients that fall back). */
  offerBasic?: boolean;
  /**
   * Set NEGOTIATE_EXTENDED_SESSIONSECURITY in the challenge (default true). Servers that leave it out
   * still require NTLMv2 when LmCompatibilityLevel is 3 or more (the Windows default); the verifier
   * refuses NTLMv1 responses either way.
   */
  extendedSessionSecurity?: boolean;
}

/** Counters of the verifier. */
export interface NtlmVerifierStatistics {
  challenges: number;
  successes: number;
  failures: number;
  /** Requests accepted on an already authenticated connection (no header). */
  reused: number;
}

/** The NTLM verifier: call {@link NtlmVerifier.authorize} first in a request handler. */
export interface NtlmVerifier {
  /**
   * Returns the account when the request's connection is authenticated (or becomes so with this
   * request's authenticate message). Otherwise answers the request (401 with a challenge or a
   * refusal), drains its body and returns `undefined`.
   */
  authorize(request: IncomingMessage, response: ServerResponse): Promise<NtlmAccount | undefined>;
  readonly statistics: NtlmVerifierStatistics;
  /** Forgets every connection's session (the next request on each must negotiate again). */
  forgetSessions(): void;
}

const SIGNATURE = Buffer.from("NTLMSSP\0", "ascii");
const FLAGS =
  0x00000001 | // NEGOTIATE_UNICODE
  0x00000004 | // REQUEST_TARGET
  0x00000200 | // NEGOTIATE_NTLM
  0x00008000 | // NEGOTIATE_ALWAYS_SIGN
  0x00010000 | // TARGET_TYPE_DOMAIN
  0x00080000 | // NEGOTIATE_EXTENDED_SESSIONSECURITY
  0x00800000 | // NEGOTIATE_TARGET_INFO
  0x02000000 | // NEGOTIATE_VERSION
  0x20000000 | // NEGOTIATE_128
  0x80000000; // NEGOTIATE_56

/** The NT hash, MD4(UTF-16LE(password)): from OpenSSL when it has MD4. */
function ntHashOf(password: string): Buffer {
  try {
    return createHash("md4").update(Buffer.from(password, "utf16le")).digest();
  } catch {
    return Buffer.from(ntlmHash.createNTLMHash(password));
  }
}

/** NTOWFv2 of MS-NLMP. */
export function ntowfV2(password: string, user: string, domain: string): Buffer {
  const ntHash = ntHashOf(password);
  return createHmac("md5", ntHash).update(Buffer.from(user.toUpperCase() + domain, "utf16le")).digest();
}

function avPair(id: number, value: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt16LE(id, 0);
  head.writeUInt16LE(value.length, 2);
  return Buffer.concat([head, value]);
}

function challengeMessage(challenge: Buffer, netbiosDomain: string, dnsDomain: string, flags: number): Buffer {
  const targetName = Buffer.from(netbiosDomain, "utf16le");
  const timestamp = Buffer.alloc(8);
  timestamp.writeBigUInt64LE((BigInt(Date.now()) + 11_644_473_600_000n) * 10_000n);
  const targetInfo = Buffer.concat([
    avPair(2, Buffer.from(netbiosDomain, "utf16le")),
    avPair(1, Buffer.from("EXCH01", "utf16le")),
    avPair(4, Buffer.from(dnsDomain, "utf16le")),
    avPair(3, Buffer.from(`exch01.${dnsDomain}`, "utf16le")),
    avPair(7, timestamp),
    avPair(0, Buffer.alloc(0)),
  ]);
  const header = Buffer.alloc(56);
  SIGNATURE.copy(header, 0);
  header.writeUInt32LE(2, 8);
  header.writeUInt16LE(targetName.length, 12);
  header.writeUInt16LE(targetName.length, 14);
  header.writeUInt32LE(56, 16);
  header.writeUInt32LE(flags >>> 0, 20);
  challenge.copy(header, 24);
  header.writeUInt16LE(targetInfo.length, 40);
  header.writeUInt16LE(targetInfo.length, 42);
  header.writeUInt32LE(56 + targetName.length, 44);
  // Version: 10.0 build 17763, NTLM revision 15.
  header.writeUInt8(10, 48);
  header.writeUInt8(0, 49);
  header.writeUInt16LE(17763, 50);
  header.writeUInt8(15, 55);
  return Buffer.concat([header, targetName, targetInfo]);
}

function field(message: Buffer, offset: number): Buffer {
  const length = message.readUInt16LE(offset);
  const start = message.readUInt32LE(offset + 4);
  if (start + length > message.length) throw new Error("security buffer out of range");
  return message.subarray(start, start + length);
}

interface SocketState {
  challenge?: Buffer;
  account?: NtlmAccount;
}

function drain(request: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    if (request.readableEnded) return resolve();
    request.on("end", () => resolve());
    request.on("error", () => resolve());
    request.resume();
  });
}

/** Creates an NTLM verifier for a Node HTTP(S) server. */
export function createNtlmVerifier(options: NtlmVerifierOptions): NtlmVerifier {
  const netbiosDomain = options.netbiosDomain ?? "EXAMPLE";
  const dnsDomain = options.dnsDomain ?? "example.com";
  let sessions = new WeakMap<Socket, SocketState>();
  const statistics: NtlmVerifierStatistics = { challenges: 0, successes: 0, failures: 0, reused: 0 };
  const offer = options.offerBasic ? ["NTLM", 'Basic realm="exchange"'] : ["NTLM"];
  const challengeFlags = options.extendedSessionSecurity === false ? FLAGS & ~0x00080000 : FLAGS;

  const refuse = async (request: IncomingMessage, response: ServerResponse) => {
    await drain(request);
    response.writeHead(401, { "www-authenticate": offer, "content-length": "0" });
    response.end();
  };

  function verify(message: Buffer, state: SocketState): NtlmAccount | undefined {
    const challenge = state.challenge;
    if (!challenge) return undefined;
    const flags = message.length >= 64 ? message.readUInt32LE(60) : 0;
    const encoding: BufferEncoding = flags & 0x1 ? "utf16le" : "latin1";
    const ntResponse = field(message, 20);
    const domain = field(message, 28).toString(encoding);
    const user = field(message, 36).toString(encoding);
    if (ntResponse.length <= 24) return undefined; // NTLMv1 responses are refused
    const proof = ntResponse.subarray(0, 16);
    const blob = ntResponse.subarray(16);
    const candidates = options.accounts.filter((a) =>
      user.includes("@")
        ? a.upn !== undefined && a.upn.toLowerCase() === user.toLowerCase()
        : a.user.toLowerCase() === user.toLowerCase() &&
          (domain === "" || domain.toLowerCase() === a.domain.toLowerCase() || domain.toLowerCase() === dnsDomain.toLowerCase()),
    );
    for (const account of candidates) {
      const key = ntowfV2(account.password, user, domain);
      const expected = createHmac("md5", key).update(Buffer.concat([challenge, blob])).digest();
      if (timingSafeEqual(expected, proof)) return account;
    }
    return undefined;
  }

  return {
    statistics,
    forgetSessions() {
      sessions = new WeakMap();
    },
    async authorize(request, response) {
      const socket = request.socket;
      let state = sessions.get(socket);
      if (!state) sessions.set(socket, (state = {}));
      const header = request.headers.authorization;
      const match = header ? /^NTLM\s+([A-Za-z0-9+/]+={0,2})\s*$/i.exec(header) : null;
      if (!match) {
        if (state.account) {
          statistics.reused++;
          return state.account;
        }
        await refuse(request, response);
        return undefined;
      }
      const message = Buffer.from(match[1]!, "base64");
      if (message.length < 12 || !message.subarray(0, 8).equals(SIGNATURE)) {
        statistics.failures++;
        await refuse(request, response);
        return undefined;
      }
      const type = message.readUInt32LE(8);
      if (type === 1) {
        state.account = undefined;
        state.challenge = randomBytes(8);
        statistics.challenges++;
        await drain(request);
        response.writeHead(401, {
          "www-authenticate": `NTLM ${challengeMessage(state.challenge, netbiosDomain, dnsDomain, challengeFlags).toString("base64")}`,
          "content-length": "0",
        });
        response.end();
        return undefined;
      }
      if (type === 3) {
        let account: NtlmAccount | undefined;
        try {
          account = verify(message, state);
        } catch {
          account = undefined;
        }
        state.challenge = undefined;
        if (account) {
          state.account = account;
          statistics.successes++;
          return account;
        }
        statistics.failures++;
        await refuse(request, response);
        return undefined;
      }
      statistics.failures++;
      await refuse(request, response);
      return undefined;
    },
  };
}
