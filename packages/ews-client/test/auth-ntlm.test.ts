/**
 * NTLM against the EWS simulator behind an NTLM front (the role IIS plays for Exchange): the front
 * verifies NTLMv2 responses per connection and forwards to the simulator.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EwsClientCore } from "../src/client-core.js";
import { AbortedError, HttpError } from "../src/errors.js";
import { ntlmAuth, type NtlmCredentials } from "../src/auth/ntlm.js";
import { getFolder } from "../src/operations/folders.js";
import { startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import { startNtlmGateway, type NtlmGateway } from "@ewsdav/ews-simulator";

const PASSWORD = "Pässwörd-€-日本語-🔑";
let sim: EwsSimulator;
let gateway: NtlmGateway;

beforeAll(async () => {
  sim = await startEwsSimulator({
    users: [
      { smtpAddress: "alice@example.com", password: "backend-a" },
      { smtpAddress: "juergen@example.com", password: "backend-j" },
    ],
  });
  gateway = await startNtlmGateway({
    target: sim.url,
    accounts: [
      { user: "alice", domain: "EXAMPLE", upn: "alice@example.com", password: PASSWORD },
      { user: "jürgen", domain: "EXAMPLE", upn: "juergen@example.com", password: "Grüße" },
    ],
    backend: (account) =>
      account.user === "alice"
        ? { smtpAddress: "alice@example.com", username: "alice@example.com", password: "backend-a" }
        : { smtpAddress: "juergen@example.com", username: "juergen@example.com", password: "backend-j" },
  });
});
afterAll(async () => {
  await gateway.stop();
  await sim.stop();
});

async function withClient<T>(credentials: NtlmCredentials, run: (client: EwsClientCore, ntlm: ReturnType<typeof ntlmAuth>) => Promise<T>): Promise<T> {
  const ntlm = ntlmAuth(credentials, { maxConnections: 4 });
  const client = new EwsClientCore({ url: gateway.url, send: ntlm.send, retry: false });
  try {
    return await run(client, ntlm);
  } finally {
    await client.close();
    await ntlm.close();
  }
}

async function inbox(client: EwsClientCore) {
  const [result] = await getFolder(client, [{ distinguishedId: "inbox" }]);
  if (result instanceof Error) throw result;
  return result!;
}

describe("NTLM", () => {
  it("authenticates DOMAIN\\user with a non-ASCII password once per connection and keeps the connection", async () => {
    const before = { ...gateway.verifier.statistics };
    const connections = gateway.connectionCount;
    await withClient({ username: "EXAMPLE\\alice", password: PASSWORD }, async (client, ntlm) => {
      for (let i = 0; i < 5; i++) expect((await inbox(client)).folderId.id).not.toBe("");
      expect(ntlm.statistics).toEqual({ handshakes: 1, authenticated: 1, connections: 1 });
    });
    expect(gateway.verifier.statistics.successes - before.successes).toBe(1);
    expect(gateway.verifier.statistics.reused - before.reused).toBe(4);
    expect(gateway.connectionCount - connections).toBe(1);
  });

  it("authenticates a UPN (user@domain)", async () => {
    await withClient({ username: "alice@example.com", password: PASSWORD }, async (client, ntlm) => {
      await inbox(client);
      expect(ntlm.statistics.authenticated).toBe(1);
    });
  });

  it("authenticates a non-ASCII user name", async () => {
    await withClient({ username: "EXAMPLE\\jürgen", password: "Grüße" }, async (client) => {
      await inbox(client);
    });
  });

  it("fails with 401 on a wrong password, without the password in the error", async () => {
    const failures = gateway.verifier.statistics.failures;
    await withClient({ username: "EXAMPLE\\alice", password: "Pässwörd-wrong" }, async (client, ntlm) => {
      const error = await inbox(client).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HttpError);
      expect((error as HttpError).status).toBe(401);
      expect((error as HttpError).code).toBe("EWS_UNAUTHORIZED");
      expect(JSON.stringify({ ...(error as object), message: (error as Error).message })).not.toContain("wrong");
      expect(ntlm.statistics.authenticated).toBe(0);
    });
    expect(gateway.verifier.statistics.failures).toBe(failures + 1);
  });

  it("negotiates again when the server drops the connection", async () => {
    await withClient({ username: "EXAMPLE\\alice", password: PASSWORD }, async (client, ntlm) => {
      await inbox(client);
      gateway.dropConnections();
      await new Promise((r) => setTimeout(r, 20));
      await inbox(client);
      await inbox(client);
      expect(ntlm.statistics.handshakes).toBe(2);
      expect(ntlm.statistics.authenticated).toBe(2);
    });
  });

  it("negotiates again when the server forgets the session on an open connection", async () => {
    await withClient({ username: "EXAMPLE\\alice", password: PASSWORD }, async (client, ntlm) => {
      await inbox(client);
      gateway.verifier.forgetSessions();
      await inbox(client);
      expect(ntlm.statistics.handshakes).toBe(2);
    });
  });

  it("authenticates each pooled connection once under concurrency", async () => {
    await withClient({ username: "EXAMPLE\\alice", password: PASSWORD }, async (client, ntlm) => {
      await Promise.all(Array.from({ length: 4 }, () => inbox(client)));
      await Promise.all(Array.from({ length: 8 }, () => inbox(client)));
      expect(ntlm.statistics.connections).toBeLessThanOrEqual(4);
      expect(ntlm.statistics.handshakes).toBe(ntlm.statistics.connections);
    });
  });

  it("stops waiting for a pooled connection with AbortedError when the signal aborts", async () => {
    await withClient({ username: "EXAMPLE\\alice", password: PASSWORD }, async (client) => {
      await inbox(client);
      sim.faults.inject({ kind: "latency", milliseconds: 300, operation: "GetFolder", times: 4 });
      const busy = Array.from({ length: 4 }, () => inbox(client)); // every pooled connection is taken
      const controller = new AbortController();
      const waiting = getFolder(client, [{ distinguishedId: "inbox" }], { signal: controller.signal });
      setTimeout(() => controller.abort(), 20);
      await expect(waiting).rejects.toBeInstanceOf(AbortedError);
      await Promise.all(busy);
    });
  });

  it("answers with NTLMv2 even when the challenge lacks extended session security (never NTLMv1 or LM)", async () => {
    const older = await startNtlmGateway({
      target: sim.url,
      extendedSessionSecurity: false,
      accounts: [{ user: "alice", domain: "EXAMPLE", password: PASSWORD }],
      backend: () => ({ smtpAddress: "alice@example.com", username: "alice@example.com", password: "backend-a" }),
    });
    try {
      const ntlm = ntlmAuth({ username: "EXAMPLE\\alice", password: PASSWORD });
      const client = new EwsClientCore({ url: older.url, send: ntlm.send, retry: false });
      try {
        const [result] = await getFolder(client, [{ distinguishedId: "inbox" }]);
        expect(result).not.toBeInstanceOf(Error);
        expect(older.verifier.statistics).toMatchObject({ successes: 1, failures: 0 });
      } finally {
        await client.close();
        await ntlm.close();
      }
    } finally {
      await older.stop();
    }
  });
});
