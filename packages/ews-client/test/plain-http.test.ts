/**
 * Credentials never go over plain HTTP to a host that is not loopback unless the caller says
 * `allowInsecureHttp: true` (then a warning): Basic, NTLM and bearer alike, for the client and for
 * the notification connection. Tested against the simulator reached under a non-loopback name
 * (`mail.example.com`, mapped to its loopback port), so the refusal happens before any byte is sent.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAutodiscoverDispatcher } from "../src/autodiscover/network.js";
import {
  basicAuth,
  bearerAuth,
  EwsClient,
  EwsInputError,
  InsecureTransportError,
  isLoopbackHost,
  NotificationConnection,
  ntlmAuth,
  type EwsLogger,
} from "../src/index.js";
import { startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";

const PASSWORD = "pl41n-s3cret";

describe("credentials over plain HTTP", () => {
  let sim: EwsSimulator;
  let port: number;
  let foreignUrl: string;
  beforeAll(async () => {
    sim = await startEwsSimulator({ seed: "small", record: false });
    port = Number(new URL(sim.url).port);
    foreignUrl = `http://mail.example.com:${port}/EWS/Exchange.asmx`;
  });
  afterAll(() => sim?.stop());

  const refusedWith = (make: () => unknown): InsecureTransportError => {
    try {
      make();
    } catch (error) {
      expect(error).toBeInstanceOf(InsecureTransportError);
      return error as InsecureTransportError;
    }
    throw new Error("expected a refusal");
  };

  it("refuses Basic, bearer and NTLM to a host that is not loopback, naming the origin and never a secret", async () => {
    const ntlm = ntlmAuth({ username: "CONTOSO\\alice", password: PASSWORD });
    const cases: Array<[string, () => unknown]> = [
      ["Basic", () => new EwsClient({ url: foreignUrl, auth: basicAuth({ username: "alice@example.com", password: PASSWORD }) })],
      ["Bearer", () => new EwsClient({ url: foreignUrl, auth: bearerAuth(async () => PASSWORD) })],
      ["NTLM", () => new EwsClient({ url: foreignUrl, send: ntlm.send })],
      ["NTLM", () => new EwsClient({ url: foreignUrl, layers: [ntlm.layer] })],
      ["Basic", () => new NotificationConnection({ url: foreignUrl, mailbox: "alice@example.com", auth: basicAuth({ username: "alice@example.com", password: PASSWORD }) })],
      ["NTLM", () => new NotificationConnection({ url: foreignUrl, mailbox: "alice@example.com", ntlm })],
    ];
    for (const [scheme, make] of cases) {
      const error = refusedWith(make);
      expect(error.code).toBe("EWS_INSECURE_HTTP");
      expect(error.scheme).toBe(scheme);
      expect(error.origin).toBe(`http://mail.example.com:${port}`);
      expect(error.message).toContain(`http://mail.example.com:${port}`);
      expect(error.message).toContain("allowInsecureHttp");
      expect(`${error.message} ${JSON.stringify(error)}`).not.toContain(PASSWORD);
    }
    await ntlm.close();
    expect(sim.requestCount()).toBe(0);
  });

  it("allows loopback hosts and requests without credentials", () => {
    for (const host of ["127.0.0.1", "127.8.9.10", "localhost", "LOCALHOST.", "[::1]", "[::ffff:7f00:1]"]) {
      expect(isLoopbackHost(new URL(`http://${host}:1/`).hostname), host).toBe(true);
      expect(() => new EwsClient({ url: `http://${host}:1/EWS/Exchange.asmx`, auth: basicAuth({ username: "a@b.c", password: PASSWORD }) })).not.toThrow();
    }
    for (const host of ["128.0.0.1", "localhost.example.com", "[::2]", "10.0.0.1", "mail.example.com"]) expect(isLoopbackHost(new URL(`http://${host}/`).hostname), host).toBe(false);
    expect(() => new EwsClient({ url: foreignUrl })).not.toThrow();
    expect(() => new EwsClient({ url: foreignUrl.replace("http:", "https:"), auth: basicAuth({ username: "a@b.c", password: PASSWORD }) })).not.toThrow();
  });

  it("with allowInsecureHttp sends them, after one warning through the logger", async () => {
    const warnings: Array<[string, Record<string, unknown> | undefined]> = [];
    const logger: EwsLogger = { debug: () => undefined, warn: (message, fields) => warnings.push([message, fields]) };
    const client = new EwsClient({
      url: foreignUrl,
      auth: basicAuth({ username: "alice@example.com", password: "secret" }),
      allowInsecureHttp: true,
      logger,
      transport: { dispatcher: createAutodiscoverDispatcher({ resolveEndpoint: () => ({ host: "127.0.0.1", port }) }) },
    });
    try {
      expect(warnings.map(([m]) => m)).toEqual([`Basic credentials go over plain HTTP to http://mail.example.com:${port} (allowInsecureHttp): anyone on the network can read them`]);
      const [inbox] = await client.getFolder([{ distinguishedId: "contacts" }]);
      expect(inbox).toMatchObject({ displayName: "Contacts" });
      expect(JSON.stringify(warnings)).not.toContain("secret");
    } finally {
      await client.close();
    }
    const connection = new NotificationConnection({ url: foreignUrl, mailbox: "alice@example.com", auth: basicAuth({ username: "alice@example.com", password: "secret" }), allowInsecureHttp: true, logger });
    await connection.close();
    expect(warnings).toHaveLength(2);
  });

  it("refuses a URL carrying a user name or password, without repeating it", () => {
    try {
      new EwsClient({ url: `https://alice:${PASSWORD}@mail.example.com/EWS/Exchange.asmx` });
      throw new Error("expected a refusal");
    } catch (error) {
      expect(error).toBeInstanceOf(EwsInputError);
      expect((error as EwsInputError).field).toBe("url");
      expect((error as Error).message).not.toContain(PASSWORD);
    }
  });
});
