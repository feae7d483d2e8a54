/**
 * The Graph client against the Graph simulator over real HTTP: every feature, throttling, a
 * rejected delta token, batch partial failures, If-Match conflicts; every body the client sent
 * and every entity it got checked against the Graph v1.0 CSDL.
 */
import { checkExchanges, startGraphSimulator, type GraphSimulator } from "@ewsdav/graph-simulator";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  ConcurrencyLimiter, GraphClient, GraphError, GraphInputError, GraphPreconditionFailedError, GraphSyncStateNotFoundError, GraphTransportError,
  type GraphClientOptions,
} from "./index.js";

const UID = "String {6c1f1b53-7d2e-4a8e-9a43-2f1d5e8b0c71} Name ewsdav-uid";

describe("GraphClient against the Graph simulator", () => {
  let sim: GraphSimulator;
  const clients: GraphClient[] = [];
  const client = (options: Partial<GraphClientOptions> = {}) => {
    const c = new GraphClient({ baseUrl: sim.url, getToken: async () => "alice-token", baseDelayMs: 1, limiter: new ConcurrencyLimiter(4), ...options });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    sim = await startGraphSimulator({ users: ["alice@example.com"], tokens: { "alice-token": "alice@example.com", "app-token": "app" } });
  });
  afterAll(async () => {
    expect(checkExchanges(sim.requests)).toEqual([]);
    await Promise.all(clients.map((c) => c.close()));
    await sim.stop();
  });
  beforeEach(() => sim.clear());

  it("contact folders and contacts: create, list in pages, read with $select and an extended property, update with If-Match, delete", async () => {
    const graph = client();
    const folder = await graph.createContactFolder("Friends");
    expect((await graph.listContactFolders()).map((f) => f.displayName)).toContain("Friends");
    expect((await graph.getContactFolder(folder.id)).displayName).toBe("Friends");
    const made = [];
    for (let i = 0; i < 5; i++) {
      made.push(await graph.createContact({ givenName: `F${i}`, surname: "Doe", emailAddresses: [{ address: `f${i}@example.com`, name: `F${i}` }], singleValueExtendedProperties: [{ id: UID, value: `uid-${i}` }] }, folder.id));
    }
    sim.clear();
    const listed = await graph.listContacts(folder.id, { select: ["givenName"], extendedProperties: [UID], pageSize: 2 });
    expect(listed.map((c) => [c.givenName, c.singleValueExtendedProperties?.[0]?.value])).toEqual(made.map((_, i) => [`F${i}`, `uid-${i}`]));
    expect(sim.requests.length).toBe(3); // three pages of two
    const one = await graph.getContact(made[0]!.id, { extendedProperties: [UID] });
    expect(one).toMatchObject({ displayName: "F0 Doe", singleValueExtendedProperties: [{ id: UID, value: "uid-0" }] });
    const updated = await graph.updateContact(one.id, { jobTitle: "Pilot" }, { ifMatch: one["@odata.etag"]! });
    expect(updated.jobTitle).toBe("Pilot");
    const conflict = await graph.updateContact(one.id, { jobTitle: "Cook" }, { ifMatch: one["@odata.etag"]! }).catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(GraphPreconditionFailedError);
    expect(conflict).toMatchObject({ status: 412, code: "ErrorIrresolvableConflict" });
    await expect(graph.deleteContact(one.id, { ifMatch: one["@odata.etag"]! })).rejects.toBeInstanceOf(GraphPreconditionFailedError);
    await graph.deleteContact(one.id, { ifMatch: updated["@odata.etag"]! });
    // Deleted: moved to Deleted Items (its immutable id still names it there), gone from the folder.
    expect((await graph.listContacts(folder.id)).map((c) => c.id)).not.toContain(one.id);
    expect((await graph.getContact(one.id)).parentFolderId).not.toBe(folder.id);
    const gone = await graph.getContact("R1JBQUFB").catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(GraphError);
    expect(gone).toMatchObject({ status: 404, code: "ErrorItemNotFound" });
    await graph.deleteContactFolder(folder.id);
  });

  it("delta: the delta link is the cursor; changes and removals in the next round; a rejected token → a full listing", async () => {
    const graph = client();
    const folder = await graph.createContactFolder("Delta");
    const a = await graph.createContact({ givenName: "A" }, folder.id);
    const b = await graph.createContact({ givenName: "B" }, folder.id);
    const c = await graph.createContact({ givenName: "C" }, folder.id);
    const first = await graph.contactsDelta(folder.id, undefined, { pageSize: 2, select: ["givenName"] });
    expect(first.changed.map((x) => x.givenName).sort()).toEqual(["A", "B", "C"]);
    expect(first.removed).toEqual([]);
    await graph.updateContact(a.id, { givenName: "A2" });
    await graph.deleteContact(b.id);
    const second = await graph.contactsDelta(folder.id, first.cursor);
    expect(second.changed.map((x) => [x.id, x.givenName])).toEqual([[a.id, "A2"]]);
    expect(second.removed).toEqual([b.id]);
    const quiet = await graph.contactsDelta(folder.id, second.cursor);
    expect([quiet.changed, quiet.removed]).toEqual([[], []]);
    sim.expireDeltaTokens();
    const error = await graph.contactsDelta(folder.id, quiet.cursor).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphSyncStateNotFoundError);
    expect(error).toMatchObject({ status: 410, code: "syncStateNotFound" });
    // What a caller does with it: a complete listing, then delta from its link.
    const full = await graph.contactsDelta(folder.id, undefined);
    expect(full.changed.map((x) => x.id).sort()).toEqual([a.id, c.id].sort());
  });

  it("$batch: up to 20 requests, dependsOn, each answer with its own status (partial failures)", async () => {
    const graph = client();
    await expect(graph.batch(Array.from({ length: 21 }, (_, i) => ({ id: String(i), method: "GET" as const, url: graph.path("contacts") })))).rejects.toBeInstanceOf(GraphInputError);
    await expect(graph.batch([{ id: "1", method: "GET", url: graph.path("contacts"), dependsOn: ["2"] }, { id: "2", method: "GET", url: graph.path("contacts") }])).rejects.toBeInstanceOf(GraphInputError);
    const answers = await graph.batch([
      { id: "new", method: "POST", url: graph.path("contacts"), body: { givenName: "Batched" } },
      { id: "missing", method: "GET", url: graph.path("contacts", "R1JBQUFB") },
      { id: "after-missing", method: "PATCH", url: graph.path("contacts", "R1JBQUFB"), body: { givenName: "x" }, dependsOn: ["missing"] },
      { id: "bad", method: "POST", url: graph.path("contacts"), body: { nickname: "not a contact property" } },
      { id: "list", method: "GET", url: `${graph.path("contacts")}?$select=givenName`, dependsOn: ["new"] },
    ]);
    expect(answers.map((a) => [a.id, a.status, a.errorCode])).toEqual([
      ["new", 201, undefined], ["missing", 404, "ErrorItemNotFound"], ["after-missing", 424, "FailedDependency"], ["bad", 400, "RequestBodyRead"], ["list", 200, undefined],
    ]);
    expect((answers[4]!.body as { value: Array<{ givenName: string }> }).value.map((c) => c.givenName)).toContain("Batched");
    expect(sim.requests.filter((r) => !r.inBatch)).toHaveLength(1);
  });

  it("throttling: 429 and 503 retried after Retry-After, 504 retried for reads only, at most 4 requests in flight per mailbox", async () => {
    const graph = client();
    sim.throttle({ status: 429, retryAfterSeconds: 1, count: 2 });
    await graph.listContacts();
    expect(sim.requests.map((r) => r.status)).toEqual([429, 429, 200]);
    expect(graph.transport.stats.throttled).toBe(2);
    sim.clear();
    sim.throttle({ status: 503, retryAfterSeconds: 0 });
    sim.throttle({ status: 504, retryAfterSeconds: 0 });
    await graph.listContacts();
    expect(sim.requests.map((r) => r.status)).toEqual([503, 504, 200]);
    sim.clear();
    // A create is not repeated after a 504: the service may have made it.
    sim.throttle({ status: 504, retryAfterSeconds: 0 });
    await expect(graph.createContact({ givenName: "Once" })).rejects.toMatchObject({ status: 504 });
    expect(sim.requests).toHaveLength(1);
    // Past the retries, the throttling answer surfaces with its code and Retry-After.
    const patient = client({ retries: 1 });
    sim.throttle({ status: 429, retryAfterSeconds: 0, count: 2 });
    await expect(patient.listContacts()).rejects.toMatchObject({ status: 429, code: "ApplicationThrottled", retryAfterMs: 0 });
    // Many concurrent reads of one mailbox: never more than 4 in flight, so never refused for concurrency.
    sim.clear();
    const limiter = new ConcurrencyLimiter(4);
    const shared = [client({ limiter }), client({ limiter })];
    const created = await shared[0]!.createContact({ givenName: "Busy" });
    await Promise.all(Array.from({ length: 24 }, (_, i) => shared[i % 2]!.getContact(created.id)));
    expect(sim.peakConcurrency()).toBeLessThanOrEqual(4);
    expect(limiter.peak).toBeLessThanOrEqual(4);
    expect(sim.requests.every((r) => r.status !== 429)).toBe(true);
  });

  it("auth: a refused token is replaced once (forceRefresh), app-only tokens address /users/{upn}", async () => {
    const asked: boolean[] = [];
    const graph = client({ getToken: async ({ forceRefresh }) => (asked.push(forceRefresh), forceRefresh ? "alice-token" : "expired") });
    await graph.listContacts();
    expect(asked).toEqual([false, true]);
    const app = client({ getToken: async () => "app-token", user: "alice@example.com" });
    await app.listContacts();
    const never = client({ getToken: async () => "expired" });
    await expect(never.listContacts()).rejects.toMatchObject({ status: 401, code: "InvalidAuthenticationToken" });
  });

  it("ids: immutable by default (Prefer: IdType=\"ImmutableId\"), REST ids on request, translateExchangeIds between them", async () => {
    const immutable = client();
    const rest = client({ immutableIds: false });
    const made = await immutable.createContact({ givenName: "Ids" });
    const [asRest] = await immutable.translateExchangeIds([made.id], "restImmutableEntryId", "restId");
    expect(asRest!.targetId).not.toBe(made.id);
    expect((await rest.getContact(asRest!.targetId!)).id).toBe(asRest!.targetId);
    expect((await immutable.getContact(asRest!.targetId!)).id).toBe(made.id);
    const [bad] = await immutable.translateExchangeIds(["nope"], "ewsId", "restId");
    expect(bad!.errorDetails?.code).toBe("ErrorItemNotFound");
  });

  it("a cut or malformed answer is an error, never a complete listing", async () => {
    const graph = client();
    const folder = await graph.createContactFolder("Cut");
    for (let i = 0; i < 3; i++) await graph.createContact({ givenName: `C${i}` }, folder.id);
    // A delta page that lost its links (cut after the value collection).
    sim.rewrite({ match: /contacts\/delta/, rewrite: (body) => ({ ...(body as object), "@odata.nextLink": undefined, "@odata.deltaLink": undefined }) });
    await expect(graph.contactsDelta(folder.id, undefined)).rejects.toMatchObject({ kind: "MALFORMED_RESPONSE" });
    // A body cut in the middle of the JSON.
    sim.rewrite({ match: /contacts/, rewrite: (body) => JSON.stringify(body).slice(0, 40) });
    await expect(graph.listContacts(folder.id)).rejects.toBeInstanceOf(GraphTransportError);
    // A listing whose second page is cut: no partial list comes back.
    sim.rewrite({ match: /\$skip=2/, rewrite: () => ({ "@odata.context": "x" }) });
    await expect(graph.listContacts(folder.id, { pageSize: 2 })).rejects.toMatchObject({ kind: "MALFORMED_RESPONSE" });
    expect((await graph.listContacts(folder.id, { pageSize: 2 })).length).toBe(3);
  });
});
