/**
 * Cut, malformed and foreign responses against the simulator over HTTP: never a complete answer.
 * A SyncFolderItems body cut between two `<t:Create>` elements and delimited by the end of the
 * connection (no Content-Length) is a typed `truncated` error, asked again for reads; a character
 * reference that names no character is a typed `malformed` error, not asked again; an envelope
 * without a SOAP Body is a protocol error.
 */
import { request } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { basicAuth, EwsClient, EwsProtocolError, XmlSecurityError, type EwsSend, type RetryEvent } from "../src/index.js";
import { startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";

const auth = () => basicAuth({ username: "alice@example.com", password: "secret" });

describe("cut and malformed EWS responses", () => {
  let sim: EwsSimulator;
  beforeAll(async () => {
    sim = await startEwsSimulator({ seed: "small", record: false });
  });
  beforeEach(() => sim.faults.clear());
  afterAll(() => sim?.stop());

  it("the simulator's cutBody fault ends the body after a Create and closes the connection, without Content-Length", async () => {
    sim.faults.inject({ kind: "cutBody", after: "</t:Create>", operation: "SyncFolderItems" });
    const body = `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types" xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages"><soap:Header><t:RequestServerVersion Version="Exchange2010_SP2"/></soap:Header><soap:Body><m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:SyncFolderId><t:DistinguishedFolderId Id="contacts"/></m:SyncFolderId><m:MaxChangesReturned>512</m:MaxChangesReturned></m:SyncFolderItems></soap:Body></soap:Envelope>`;
    const url = new URL(sim.url);
    const answer = await new Promise<{ headers: Record<string, unknown>; text: string }>((resolve, reject) => {
      const req = request(
        { host: url.hostname, port: url.port, path: url.pathname, method: "POST", headers: { "content-type": "text/xml; charset=utf-8", authorization: `Basic ${Buffer.from("alice@example.com:secret").toString("base64")}` } },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (c: string) => (text += c));
          res.on("end", () => resolve({ headers: res.headers, text }));
        },
      );
      req.on("error", reject);
      req.end(body);
    });
    expect(answer.headers["content-length"]).toBeUndefined();
    expect(answer.headers["transfer-encoding"]).toBeUndefined();
    expect(answer.headers.connection).toBe("close");
    expect(answer.text.endsWith("</t:Create>")).toBe(true);
    expect(answer.text).toContain("<m:SyncState>");
  });

  it("a SyncFolderItems page cut between two Creates is a typed truncated error naming what is open, never a page", async () => {
    const client = new EwsClient({ url: sim.url, auth: auth(), retry: false });
    try {
      const whole = await client.syncFolderItems({ folder: { distinguishedId: "contacts" } });
      expect(whole.changes.length).toBeGreaterThan(1);
      sim.faults.inject({ kind: "cutBody", after: "</t:Create>", operation: "SyncFolderItems" });
      const error = (await client.syncFolderItems({ folder: { distinguishedId: "contacts" } }).catch((e: unknown) => e)) as XmlSecurityError;
      expect(error).toBeInstanceOf(XmlSecurityError);
      expect(error.rule).toBe("truncated");
      expect(error.message).toMatch(/not closed: <soap:Envelope> <soap:Body> … <m:Changes>|not closed: .*<m:Changes>/);
    } finally {
      await client.close();
    }
  });

  it("a read cut once is asked again and then complete, with a retry event", async () => {
    const events: RetryEvent[] = [];
    const client = new EwsClient({ url: sim.url, auth: auth(), retry: { baseDelayMs: 1, maxDelayMs: 2 } });
    client.on("retry", (e) => events.push(e));
    try {
      const whole = await client.syncFolderItems({ folder: { distinguishedId: "contacts" } });
      sim.faults.inject({ kind: "cutBody", after: "</t:Create>", framing: "length", operation: "SyncFolderItems" });
      const again = await client.syncFolderItems({ folder: { distinguishedId: "contacts" } });
      expect(again.changes.map((c) => c.itemId.id)).toEqual(whole.changes.map((c) => c.itemId.id));
      expect(events.map((e) => [e.operation, e.reason])).toEqual([["SyncFolderItems", "malformed-response"]]);
    } finally {
      await client.close();
    }
  });

  const answering =
    (xml: string, calls: { n: number }): EwsSend =>
    async () => {
      calls.n++;
      return { status: 200, headers: { "content-type": "text/xml; charset=utf-8" }, body: xml };
    };

  it("a character reference outside XML's Char production is a typed malformed error, not asked again", async () => {
    for (const ref of ["&#0;", "&#xD800;", "&#x110000;", "&#xFFFE;"]) {
      const calls = { n: 0 };
      const xml = `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><m:GetFolderResponse xmlns:m="m"><m:ResponseMessages><m:GetFolderResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:Folders><t:ContactsFolder xmlns:t="t"><t:FolderId Id="f" ChangeKey="c"/><t:DisplayName>x${ref}</t:DisplayName></t:ContactsFolder></m:Folders></m:GetFolderResponseMessage></m:ResponseMessages></m:GetFolderResponse></s:Body></s:Envelope>`;
      const client = new EwsClient({ url: "https://mail.example.com/EWS/Exchange.asmx", send: answering(xml, calls), retry: { baseDelayMs: 1 } });
      const error = (await client.getFolder([{ distinguishedId: "contacts" }]).catch((e: unknown) => e)) as XmlSecurityError;
      expect(error, ref).toBeInstanceOf(XmlSecurityError);
      expect(error.rule).toBe("malformed");
      expect(calls.n).toBe(1);
    }
  });

  it("an envelope without a SOAP Body is a protocol error", async () => {
    const calls = { n: 0 };
    const client = new EwsClient({ url: "https://mail.example.com/EWS/Exchange.asmx", send: answering(`<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header/></s:Envelope>`, calls) });
    await expect(client.getFolder([{ distinguishedId: "contacts" }])).rejects.toBeInstanceOf(EwsProtocolError);
  });
});
