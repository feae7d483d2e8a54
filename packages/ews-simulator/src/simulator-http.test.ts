import { request } from "node:http";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EWS_SCHEMA_DIR } from "../../../test/harness/ews-schema.js";
import { EXCHANGE_2010_SP2_VERSION, startEwsSimulator, type EwsSimulator } from "./index.js";
import { envelope, find, soap } from "./soap.test-support.js";

const GET_INBOX = `<m:GetFolder><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="inbox"/></m:FolderIds></m:GetFolder>`;

describe("EWS simulator: HTTP, authentication, SOAP envelope, hostile input", () => {
  let sim: EwsSimulator;
  beforeAll(async () => {
    sim = await startEwsSimulator({
      users: [
        { smtpAddress: "alice@example.com", password: "secret" },
        { smtpAddress: "bob@example.com", password: "b0b:pass", username: "EXAMPLE\\bob" },
      ],
    });
  });
  afterAll(() => sim.stop());

  it("serves /EWS/Exchange.asmx on loopback, matching the path without regard to case", async () => {
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/EWS\/Exchange\.asmx$/);
    const lower = await soap(sim.url.replace("/EWS/Exchange.asmx", "/ews/exchange.ASMX"), GET_INBOX);
    expect(lower.status).toBe(200);
    const other = await soap(sim.url.replace("/EWS/Exchange.asmx", "/EWS/Other.asmx"), GET_INBOX);
    expect(other.status).toBe(404);
  });

  it("answers 401 with WWW-Authenticate: Basic without or with wrong credentials", async () => {
    const none = await fetch(sim.url, { method: "POST", headers: { "Content-Type": "text/xml" }, body: envelope(GET_INBOX) });
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/^Basic realm=/);
    const wrong = await soap(sim.url, GET_INBOX, { password: "nope" });
    expect(wrong.status).toBe(401);
    const unknown = await soap(sim.url, GET_INBOX, { user: "mallory@example.com" });
    expect(unknown.status).toBe(401);
  });

  it("accepts user@domain, DOMAIN\\user and the configured username, with a colon in the password", async () => {
    expect((await soap(sim.url, GET_INBOX, { user: "Alice@Example.com" })).status).toBe(200);
    expect((await soap(sim.url, GET_INBOX, { user: "EXAMPLE\\alice" })).status).toBe(200);
    expect((await soap(sim.url, GET_INBOX, { user: "EXAMPLE\\bob", password: "b0b:pass" })).status).toBe(200);
    expect((await soap(sim.url, GET_INBOX, { user: "bob@example.com", password: "b0b" })).status).toBe(401);
  });

  it("puts ServerVersionInfo in the SOAP header of every response, faults included", async () => {
    const okResult = await soap(sim.url, GET_INBOX);
    const info = find(okResult.root, "ServerVersionInfo");
    expect(info?.attrs).toMatchObject({ MajorVersion: "15", MinorVersion: "1", Version: "V2017_07_11" });
    expect(okResult.headers.get("content-type")).toBe("text/xml; charset=utf-8");
    const fault = await soap(sim.url, "<broken", { raw: true });
    expect(fault.status).toBe(500);
    expect(find(fault.root, "ServerVersionInfo")).toBeDefined();
  });

  it("refuses DOCTYPE and entity declarations with an ErrorSchemaValidation fault", async () => {
    const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>` + envelope(GET_INBOX).replace(/^<\?xml[^>]*>/, "");
    const result = await soap(sim.url, bomb, { raw: true });
    expect(result.status).toBe(500);
    expect(find(result.root, "faultcode")?.text).toBe("a:ErrorSchemaValidation");
    expect(find(result.root, "ResponseCode")?.text).toBe("ErrorSchemaValidation");
    expect(find(result.root, "faultstring")?.text).toContain("DTD is prohibited");
    expect(find(result.root, "LineNumber")?.text).toBe("1");
  });

  it("refuses undeclared entities, mismatched tags, unbound prefixes and excessive nesting", async () => {
    const samples = [
      envelope(GET_INBOX.replace("Default", "&xxe;")),
      envelope(GET_INBOX).replace("</m:GetFolder>", "</m:GetFolders>"),
      envelope(GET_INBOX.replace("t:BaseShape>Default</t:BaseShape", "q:BaseShape>Default</q:BaseShape")),
      envelope(`${"<t:x>".repeat(100)}${"</t:x>".repeat(100)}`),
    ];
    for (const sample of samples) {
      const result = await soap(sim.url, sample, { raw: true });
      expect(result.status).toBe(500);
      expect(find(result.root, "ResponseCode")?.text).toBe("ErrorSchemaValidation");
    }
    expect(sim.mailbox("alice@example.com").folder("inbox").totalCount).toBe(0);
  });

  it("refuses a document that is not a SOAP 1.1 envelope with ErrorInvalidRequest, and unknown operations too", async () => {
    const notSoap = await soap(sim.url, `<Envelope xmlns="urn:other"><Body/></Envelope>`, { raw: true });
    expect(find(notSoap.root, "ResponseCode")?.text).toBe("ErrorInvalidRequest");
    const unknown = await soap(sim.url, `<m:ResolveNames ReturnFullContactData="true"><m:UnresolvedEntry>a</m:UnresolvedEntry></m:ResolveNames>`);
    expect(unknown.status).toBe(500);
    expect(find(unknown.root, "faultcode")?.text).toBe("a:ErrorInvalidRequest");
  });

  it("refuses an unknown RequestServerVersion with ErrorInvalidServerVersion", async () => {
    const result = await soap(sim.url, GET_INBOX, { header: `<t:RequestServerVersion Version="Exchange2099"/>` });
    expect(result.status).toBe(500);
    expect(find(result.root, "faultcode")?.text).toBe("a:ErrorInvalidServerVersion");
  });

  it("a simulated Exchange 2010 SP2 refuses later request versions and reports its own", async () => {
    const old = await startEwsSimulator({ serverVersion: EXCHANGE_2010_SP2_VERSION });
    try {
      const refused = await soap(old.url, GET_INBOX, { header: `<t:RequestServerVersion Version="Exchange2013_SP1"/>` });
      expect(find(refused.root, "faultcode")?.text).toBe("a:ErrorInvalidServerVersion");
      const accepted = await soap(old.url, GET_INBOX, { header: `<t:RequestServerVersion Version="Exchange2010_SP2"/>` });
      expect(accepted.status).toBe(200);
      expect(find(accepted.root, "ServerVersionInfo")?.attrs).toMatchObject({ MajorVersion: "14", Version: "Exchange2010_SP2" });
    } finally {
      await old.stop();
    }
  });

  it("keeps the recorder within its limits, dropping the oldest exchanges", async () => {
    const small = await startEwsSimulator({ maxRecordedExchanges: 3 });
    try {
      for (let i = 0; i < 5; i++) await soap(small.url, GET_INBOX);
      expect(small.exchanges).toHaveLength(3);
      expect(small.requestCount("GetFolder")).toBe(5);
      small.clearExchanges();
      expect(small.exchanges).toHaveLength(0);
      expect(small.requestCount()).toBe(0);
    } finally {
      await small.stop();
    }
  });

  it("answers 405 to GET, 415 to a non-XML content type and 413 beyond the size limit", async () => {
    const auth = `Basic ${Buffer.from("alice@example.com:secret").toString("base64")}`;
    expect((await fetch(sim.url, { headers: { Authorization: auth } })).status).toBe(405);
    expect((await fetch(sim.url, { method: "POST", headers: { Authorization: auth, "Content-Type": "application/json" }, body: "{}" })).status).toBe(415);
    const small = await startEwsSimulator({ maxRequestBytes: 1000 });
    try {
      const big = await soap(small.url, `<m:GetFolder><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape><m:FolderIds>${'<t:DistinguishedFolderId Id="inbox"/>'.repeat(100)}</m:FolderIds></m:GetFolder>`);
      expect(big.status).toBe(413);
    } finally {
      await small.stop();
    }
  });

  it("compresses with gzip when asked", async () => {
    const body = Buffer.from(envelope(`<m:FindFolder Traversal="Deep"><m:FolderShape><t:BaseShape>AllProperties</t:BaseShape></m:FolderShape><m:ParentFolderIds><t:DistinguishedFolderId Id="root"/></m:ParentFolderIds></m:FindFolder>`));
    const { status, encoding, raw } = await new Promise<{ status: number; encoding: string | undefined; raw: Buffer }>((resolve, reject) => {
      const url = new URL(sim.url);
      const req = request({
        host: url.hostname, port: url.port, path: url.pathname, method: "POST",
        headers: { "Content-Type": "text/xml; charset=utf-8", "Accept-Encoding": "gzip", Authorization: `Basic ${Buffer.from("alice@example.com:secret").toString("base64")}` },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, encoding: res.headers["content-encoding"], raw: Buffer.concat(chunks) }));
      });
      req.on("error", reject);
      req.end(body);
    });
    expect(status).toBe(200);
    expect(encoding).toBe("gzip");
    expect(gunzipSync(raw).toString("utf8")).toContain("FindFolderResponseMessage");
    // The same answer, byte for byte, as without compression (how it is compressed is the simulator's business).
    const { raw: plain, encoding: none } = await new Promise<{ encoding: string | undefined; raw: Buffer }>((resolve, reject) => {
      const url = new URL(sim.url);
      const req = request({
        host: url.hostname, port: url.port, path: url.pathname, method: "POST",
        headers: { "Content-Type": "text/xml; charset=utf-8", Authorization: `Basic ${Buffer.from("alice@example.com:secret").toString("base64")}` },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ encoding: res.headers["content-encoding"], raw: Buffer.concat(chunks) }));
      });
      req.on("error", reject);
      req.end(body);
    });
    expect(none).toBeUndefined();
    expect(gunzipSync(raw).equals(plain)).toBe(true);
  });

  it("acts on another mailbox under ExchangeImpersonation and refuses unknown ones", async () => {
    const header = (address: string) =>
      `<t:RequestServerVersion Version="Exchange2013_SP1"/><t:ExchangeImpersonation><t:ConnectingSID><t:PrimarySmtpAddress>${address}</t:PrimarySmtpAddress></t:ConnectingSID></t:ExchangeImpersonation>`;
    const asBob = await soap(sim.url, GET_INBOX, { header: header("bob@example.com") });
    expect(find(asBob.root, "FolderId")?.attrs.Id).toBe(sim.mailbox("bob@example.com").folder("inbox").id);
    const nobody = await soap(sim.url, GET_INBOX, { header: header("nobody@example.com") });
    expect(find(nobody.root, "ResponseCode")?.text).toBe("ErrorNonExistentMailbox");
  });

  it("sends responses that validate against the official schema", async () => {
    const violations = await sim.validateExchanges(EWS_SCHEMA_DIR);
    // The only invalid documents are the request sent on purpose with an unknown version.
    expect(violations.length).toBeGreaterThan(0);
    expect(violations.every((v) => v.side === "request" && sim.exchanges[v.exchange]!.requestXml.includes("Exchange2099"))).toBe(true);
    expect(sim.requestCount("GetFolder")).toBeGreaterThan(5);
  });
});
