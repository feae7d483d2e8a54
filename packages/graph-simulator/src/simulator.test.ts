import { startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { checkExchanges } from "./csdl.js";
import { startGraphSimulator, type GraphSimulator } from "./index.js";

const UID = "String {6c1f1b53-7d2e-4a8e-9a43-2f1d5e8b0c71} Name ewsdav-uid";

describe("Graph simulator over HTTP", () => {
  let ews: EwsSimulator;
  let sim: GraphSimulator;
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}, token = "alice-token") => {
    const response = await fetch(`${sim.url}${path}`, {
      method, headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, json: text ? (JSON.parse(text) as Record<string, any>) : undefined };
  };

  beforeAll(async () => {
    ews = await startEwsSimulator({ users: [{ smtpAddress: "alice@example.com", password: "secret" }, { smtpAddress: "bob@example.com", password: "secret" }] });
    sim = await startGraphSimulator({
      mailbox: (a) => ews.mailbox(a), users: ["alice@example.com", "bob@example.com"],
      tokens: { "alice-token": "alice@example.com", "app-token": "app" },
    });
  });
  afterAll(async () => {
    // Every entity the simulator answered with, and every body sent to it, conforms to the CSDL.
    expect(checkExchanges(sim.requests)).toEqual([]);
    await sim.stop();
    await ews.stop();
  });
  beforeEach(() => sim.clear());

  it("authenticates bearer tokens: 401 without one, /me only for delegated tokens, another user's mailbox refused", async () => {
    expect((await call("GET", "/me/contacts", undefined, {}, "wrong")).status).toBe(401);
    const app = await call("GET", "/me/contacts", undefined, {}, "app-token");
    expect([app.status, app.json?.error.code]).toEqual([400, "BadRequest"]);
    expect((await call("GET", "/users/alice@example.com/contacts", undefined, {}, "app-token")).status).toBe(200);
    expect((await call("GET", `/users/${sim.userId("bob@example.com")}/contacts`, undefined, {}, "app-token")).status).toBe(200);
    expect((await call("GET", "/users/bob@example.com/contacts")).json?.error.code).toBe("ErrorAccessDenied");
    expect((await call("GET", "/users/nobody@example.com/contacts", undefined, {}, "app-token")).status).toBe(404);
  });

  it("creates, reads ($select, $expand of an extended property), changes with If-Match and deletes contacts", async () => {
    const created = await call("POST", "/me/contacts", {
      givenName: "Ann", surname: "Lee", emailAddresses: [{ name: "Ann", address: "ann@example.com" }], businessPhones: ["+1 555 0100"],
      homeAddress: { city: "Rome" }, birthday: "1980-02-03T00:00:00Z", singleValueExtendedProperties: [{ id: UID, value: "uid-1" }],
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ displayName: "Ann Lee", givenName: "Ann", homeAddress: { city: "Rome" }, businessPhones: ["+1 555 0100"] });
    const id = created.json!.id as string;
    const selected = await call("GET", `/me/contacts/${id}?$select=givenName&$expand=singleValueExtendedProperties($filter=id eq '${UID}')`);
    expect(Object.keys(selected.json!).sort()).toEqual(["@odata.context", "@odata.etag", "givenName", "id", "singleValueExtendedProperties"]);
    expect(selected.json!.singleValueExtendedProperties).toEqual([{ id: UID, value: "uid-1" }]);
    const stale = created.json!["@odata.etag"] as string;
    const changed = await call("PATCH", `/me/contacts/${id}`, { surname: "Li" }, { "if-match": stale });
    expect([changed.status, changed.json!.surname]).toEqual([200, "Li"]);
    const conflict = await call("PATCH", `/me/contacts/${id}`, { surname: "Lo" }, { "if-match": stale });
    expect([conflict.status, conflict.json!.error.code]).toEqual([412, "ErrorIrresolvableConflict"]);
    expect((await call("PATCH", `/me/contacts/${id}`, { nickname: "x" })).json!.error.code).toBe("RequestBodyRead");
    expect((await call("DELETE", `/me/contacts/${id}`, undefined, { "if-match": changed.json!["@odata.etag"] })).status).toBe(204);
    expect((await call("GET", `/me/contacts/${id}`)).status).toBe(404);
  });

  it("pages lists with $top and @odata.nextLink", async () => {
    const folder = await call("POST", "/me/contactFolders", { displayName: "Paged" });
    for (let i = 0; i < 5; i++) await call("POST", `/me/contactFolders/${folder.json!.id}/contacts`, { givenName: `P${i}` });
    const names: string[] = [];
    let next: string | undefined = `${sim.url}/me/contactFolders/${folder.json!.id}/contacts?$top=2&$select=givenName`;
    let pages = 0;
    while (next) {
      const page = await call("GET", next.slice(sim.url.length));
      names.push(...page.json!.value.map((c: { givenName: string }) => c.givenName));
      next = page.json!["@odata.nextLink"];
      pages++;
    }
    expect([names, pages]).toEqual([["P0", "P1", "P2", "P3", "P4"], 3]);
  });

  it("delta per folder: a round in pages, then changes and removals; an expired token answers 410 syncStateNotFound", async () => {
    const folder = (await call("POST", "/me/contactFolders", { displayName: "Delta" })).json!.id as string;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await call("POST", `/me/contactFolders/${folder}/contacts`, { givenName: `D${i}` })).json!.id);
    let page = await call("GET", `/me/contactFolders/${folder}/contacts/delta?$select=givenName`, undefined, { prefer: "odata.maxpagesize=2" });
    expect(page.json!.value).toHaveLength(2);
    page = await call("GET", page.json!["@odata.nextLink"].slice(sim.url.length));
    expect(page.json!.value).toHaveLength(1);
    const deltaLink = page.json!["@odata.deltaLink"] as string;
    await call("PATCH", `/me/contacts/${ids[0]}`, { givenName: "D0b" });
    await call("DELETE", `/me/contacts/${ids[1]}`);
    const round = await call("GET", deltaLink.slice(sim.url.length));
    expect(round.json!.value).toEqual([
      expect.objectContaining({ id: ids[0], givenName: "D0b" }),
      { id: ids[1], "@removed": { reason: "deleted" } },
    ]);
    expect(Object.keys(round.json!.value[0]).sort()).toEqual(["@odata.etag", "givenName", "id"]);
    sim.expireDeltaTokens();
    const gone = await call("GET", round.json!["@odata.deltaLink"].slice(sim.url.length));
    expect([gone.status, gone.json!.error.code]).toEqual([410, "syncStateNotFound"]);
    expect((await call("GET", `${deltaLink.slice(sim.url.length)}x`)).status).toBe(410);
  });

  it("$batch: at most 20 requests, a status per request, dependsOn skipped with 424 after a failure", async () => {
    const many = Array.from({ length: 21 }, (_, i) => ({ id: String(i), method: "GET", url: "/me/contacts" }));
    expect((await call("POST", "/$batch", { requests: many })).status).toBe(400);
    const batch = await call("POST", "/$batch", {
      requests: [
        { id: "a", method: "POST", url: "/me/contacts", headers: { "content-type": "application/json" }, body: { givenName: "B1" } },
        { id: "b", method: "GET", url: "/me/contacts/AAAA" },
        { id: "c", method: "POST", url: "/me/contacts", headers: { "content-type": "application/json" }, body: { givenName: "B2" }, dependsOn: ["b"] },
        { id: "d", method: "GET", url: "/me/contacts?$top=1", dependsOn: ["a"] },
      ],
    });
    expect(batch.status).toBe(200);
    expect(batch.json!.responses.map((r: { id: string; status: number }) => [r.id, r.status])).toEqual([["a", 201], ["b", 404], ["c", 424], ["d", 200]]);
  });

  it("throttles: injected 429/503 with Retry-After, and more than 4 concurrent requests for one mailbox", async () => {
    sim.throttle({ status: 429, retryAfterSeconds: 7, count: 1 });
    const throttled = await call("GET", "/me/contacts");
    expect([throttled.status, throttled.headers.get("retry-after"), throttled.json!.error.code]).toEqual([429, "7", "ApplicationThrottled"]);
    sim.throttle({ status: 503, count: 1 });
    expect((await call("GET", "/me/contacts")).status).toBe(503);
    expect((await call("GET", "/me/contacts")).status).toBe(200);
    const many = await Promise.all(Array.from({ length: 12 }, () => call("GET", "/me/contacts")));
    const statuses = many.map((r) => r.status);
    // Whether requests overlap depends on the machine; when more than 4 did, those were refused with 429.
    expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
    expect(statuses.filter((s) => s === 429).length > 0).toBe(sim.peakConcurrency() > 4);
  });

  it("ids: Graph's differ from EWS's, translateExchangeIds maps them, immutable ids survive a move", async () => {
    const box = ews.mailbox("alice@example.com");
    const item = box.createItem("contacts", "<Contact><GivenName>Moved</GivenName></Contact>");
    const translated = await call("POST", "/me/translateExchangeIds", { inputIds: [item.id, "bogus"], sourceIdType: "ewsId", targetIdType: "restImmutableEntryId" });
    const immutable = translated.json!.value[0].targetId as string;
    expect(immutable).not.toBe(item.id);
    expect(translated.json!.value[1].errorDetails.code).toBe("ErrorItemNotFound");
    const rest = (await call("POST", "/me/translateExchangeIds", { inputIds: [item.id], sourceIdType: "ewsId", targetIdType: "restId" })).json!.value[0].targetId as string;
    expect(rest).not.toBe(item.id);
    const read = await call("GET", `/me/contacts/${rest}`, undefined, { prefer: 'IdType="ImmutableId"' });
    expect([read.json!.id, read.headers.get("preference-applied")]).toEqual([immutable, 'IdType="ImmutableId"']);
    const folder = box.createFolder("contacts", "Moved here", "IPF.Contact");
    box.moveItem(item.id, folder.id);
    expect((await call("GET", `/me/contacts/${rest}`)).status).toBe(404);
    const again = await call("GET", `/me/contacts/${immutable}`, undefined, { prefer: 'IdType="ImmutableId"' });
    expect([again.status, again.json!.id, again.json!.givenName]).toEqual([200, immutable, "Moved"]);
    const back = await call("POST", "/me/translateExchangeIds", { InputIds: [immutable], SourceIdType: "restImmutableEntryId", TargetIdType: "ewsId" });
    expect(back.json!.value[0].targetId).toBe(box.items(folder.id)[0]!.id);
  });
});
