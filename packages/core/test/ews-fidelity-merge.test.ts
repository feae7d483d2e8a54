/**
 * Issue 13 items 3 and 8, end to end over HTTP: the EWS simulator ↔ Radicale.
 *
 * - An Exchange edit of e-mail 1 and of the street keeps the DAV card's 4th EMAIL, its PO box and
 *   extended address, DAV-only parameters, groups and X- properties (the EWS side renders onto the
 *   existing object, and the merge is per value).
 * - A DAV edit never deletes what vCard cannot express (OfficeLocation, Mileage, Companies,
 *   Initials, set by another EWS client): UpdateItem touches only the mapping's managed fields.
 * - One side editing an e-mail while the other adds one: both survive. Both sides replacing the
 *   same e-mail differently: one conflict, settled by the policy, no duplicate.
 * - newest-wins compares the sides' own times: Exchange's LastModifiedTime (the simulator's
 *   clock, pinned here) against the card's REV, either way round.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DavClient } from "@ewsdav/dav-client";
import { basicAuth, EwsClient, isEwsError, type Contact } from "@ewsdav/ews-client";
import { startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import { MemoryStateStore, SyncEngine, type PairRecord, type SyncReport } from "@ewsdav/core";
import { DavSide } from "@ewsdav/core/dav";
import { EwsSide } from "@ewsdav/core/ews";
import { startDavServer, type DavServer } from "../../../test/harness/dav-servers.js";
import { parseVObject } from "../src/engine/vobject.js";

const ok = (r: SyncReport) => expect(r.ok, JSON.stringify(r.pairs.map((p) => [p.pairId, p.error, p.errors.slice(0, 3)]))).toBe(true);
const card = (uid: string, ...lines: string[]) => ["BEGIN:VCARD", "VERSION:4.0", `UID:${uid}`, ...lines, "END:VCARD", ""].join("\r\n");
/** The unfolded lines of one property name, as `params:value` (group first when there is one). */
const lines = (text: string, name: string) =>
  parseVObject(text)
    .lines.filter((l) => l.name === name)
    .map((l) => `${l.group ? `${l.group}.` : ""}${l.params}:${l.value}`);
const values = (text: string, name: string) => parseVObject(text).lines.filter((l) => l.name === name).map((l) => l.value);

describe("EWS simulator ↔ Radicale: per-value merge, writes onto the existing object, newest-wins by each side's time", () => {
  let sim: EwsSimulator;
  let server: DavServer;
  let ewsClient: EwsClient;
  /** Another EWS client (Outlook, a phone): edits the mailbox behind the sync's back. */
  let other: EwsClient;
  let davClient: DavClient;
  let ews: EwsSide;
  let engine: SyncEngine;
  let store: MemoryStateStore;
  let pair: PairRecord;

  const davCard = async (uid: string) => (await davClient.fetchAll(pair.local.collection)).find((i) => i.data.includes(`UID:${uid}`))!;
  const editDav = async (uid: string, edit: (text: string) => string) => {
    const item = await davCard(uid);
    await davClient.updateItem({ href: item.href, etag: item.etag, text: edit(item.data) });
  };
  const exchangeItem = async (uid: string): Promise<Contact> => {
    const ids = sim.mailbox("alice@example.com").items(pair.remote.collection).map((i) => i.id);
    const found = (await ews.fetch(pair.remote.collection, ids)).find((r) => !(r instanceof Error) && r.uid === uid) as { id: string } | undefined;
    const [got] = await other.getItem([{ id: found!.id }]);
    if (!got || isEwsError(got) || got.type !== "Contact") throw new Error(`no contact ${uid}`);
    return got.item;
  };
  const editExchange = async (uid: string, edit: (c: Contact) => Contact) => {
    const before = await exchangeItem(uid);
    const [r] = await other.updateItem([{ target: before.itemId!, before: { type: "Contact", item: before }, after: { type: "Contact", item: edit(structuredClone(before)) } }]);
    if (isEwsError(r)) throw r;
  };

  beforeAll(async () => {
    [sim, server] = await Promise.all([startEwsSimulator({ record: false }), startDavServer("radicale")]);
    const auth = basicAuth({ username: "alice@example.com", password: "secret" });
    ewsClient = new EwsClient({ url: sim.url, auth, mailbox: "alice@example.com" });
    other = new EwsClient({ url: sim.url, auth, mailbox: "alice@example.com" });
    davClient = new DavClient({ baseUrl: server.url, auth: { type: "basic", username: server.username, password: server.password }, headers: server.headers });
    await server.seedCollection({
      name: "book",
      kind: "addressbook",
      items: [
        {
          name: "ada.vcf",
          text: card(
            "fid-ada",
            "FN:Ada Lovelace",
            "N:Lovelace;Ada;;;",
            "EMAIL;TYPE=work;X-DAV-PARAM=keep:ada@work.example",
            "EMAIL;TYPE=home:ada@home.example",
            "EMAIL;TYPE=other:ada@other.example",
            "EMAIL:ada@fourth.example",
            "ADR;TYPE=work:PO Box 7;Suite 9;1 Main Street;Springfield;;12345;USA",
            "item1.TEL;TYPE=cell:+1 555 0100",
            "item1.X-ABLABEL:Mobile",
            "X-DAV-ONLY:kept",
          ),
        },
        { name: "bob.vcf", text: card("fid-bob", "FN:Bob Builder", "N:Builder;Bob;;;", "TITLE:Builder", "EMAIL;TYPE=work:bob@work.example") },
        { name: "carol.vcf", text: card("fid-carol", "FN:Carol", "N:;Carol;;;", "EMAIL;TYPE=work:carol@old.example") },
        { name: "dan.vcf", text: card("fid-dan", "FN:Dan", "N:;Dan;;;", "EMAIL;TYPE=work:dan@old.example", "EMAIL;TYPE=home:dan@home.example") },
        { name: "eve.vcf", text: card("fid-eve", "FN:Eve", "N:;Eve;;;", "TITLE:Start", "REV:20300101T000000Z") },
      ],
    });
    const dav = new DavSide({ client: davClient, name: "dav" });
    ews = new EwsSide({ client: ewsClient, name: "ews" });
    const book = (await dav.listCollections()).find((c) => c.id.replace(/\/$/, "").endsWith("/book"))!.id;
    const contacts = (await ews.listCollections()).find((f) => f.kind === "contacts" && f.displayName === "Contacts")!.id;
    store = new MemoryStateStore();
    engine = new SyncEngine({ store, sides: [ews, dav], policy: { conflict: "remote-wins" } });
    pair = await engine.link({ id: "contacts", kind: "contacts", remote: { side: "ews", collection: contacts }, local: { side: "dav", collection: book } });
    const first = await engine.runOnce();
    ok(first);
    // The 4th e-mail, the PO box and the X- property could not go to Exchange, and the report says so.
    const dropped = first.pairs[0]!.remote.dropped.filter((d) => d.uid === "fid-ada").map((d) => d.property);
    expect(dropped).toEqual(expect.arrayContaining(["EMAIL", "ADR", "X-DAV-ONLY"]));
    ok(await engine.runOnce());
  }, 120_000);

  afterAll(async () => {
    await davClient?.close();
    await ewsClient?.close?.();
    await other?.close?.();
    await Promise.all([sim?.stop(), server?.stop()]);
  });

  it("an Exchange edit of e-mail 1 and of the street keeps the 4th EMAIL, the PO box and DAV-only parameters", async () => {
    await editExchange("fid-ada", (c) => ({
      ...c,
      emailAddresses: { ...c.emailAddresses, EmailAddress1: { address: "ada@new-work.example" } },
      physicalAddresses: { ...c.physicalAddresses, Business: { ...c.physicalAddresses!.Business, street: "2 Main Street" } },
    }));
    const report = await engine.runOnce();
    ok(report);
    const text = (await davCard("fid-ada")).data;
    expect(lines(text, "EMAIL")).toEqual([
      "TYPE=work;X-DAV-PARAM=keep:ada@new-work.example",
      "TYPE=home:ada@home.example",
      "TYPE=other:ada@other.example",
      ":ada@fourth.example",
    ]);
    expect(values(text, "ADR")).toEqual(["PO Box 7;Suite 9;2 Main Street;Springfield;;12345;USA"]);
    expect(lines(text, "TEL")).toEqual(["item1.TYPE=cell:+1 555 0100"]);
    expect(values(text, "X-ABLABEL")).toEqual(["Mobile"]);
    expect(values(text, "X-DAV-ONLY")).toEqual(["kept"]);
    expect(report.pairs[0]!.conflicts).toEqual([]);
    // Nothing more to do: the state holds what both sides hold.
    const quiet = await engine.runOnce();
    expect(quiet.pairs[0]!.local.updated.length + quiet.pairs[0]!.remote.updated.length).toBe(0);
  });

  it("a DAV edit never deletes Exchange-only fields (OfficeLocation, Mileage, Companies, Initials) and arrives", async () => {
    await editExchange("fid-bob", (c) => ({ ...c, officeLocation: "Room 4.12", mileage: "1200 km", companies: ["Acme", "Globex"], initials: "B.B." }));
    const read = await engine.runOnce();
    ok(read);
    // vCard cannot say them: reported on the read, and the DAV card is not written for them.
    const dropped = read.pairs.flatMap((p) => p.remote.dropped).filter((d) => d.uid === "fid-bob").map((d) => d.property);
    expect(dropped).toEqual(expect.arrayContaining(["OfficeLocation", "Mileage", "Companies", "Initials"]));
    expect(read.pairs[0]!.local.updated).toEqual([]);
    await editDav("fid-bob", (t) => t.replace("TITLE:Builder", "TITLE:Chief Builder"));
    ok(await engine.runOnce());
    const bob = await exchangeItem("fid-bob");
    expect(bob.jobTitle).toBe("Chief Builder");
    expect(bob).toMatchObject({ officeLocation: "Room 4.12", mileage: "1200 km", companies: ["Acme", "Globex"], initials: "B.B." });
    expect(bob.emailAddresses?.EmailAddress1?.address).toBe("bob@work.example");
  });

  it("a DAV edit of a task never deletes Exchange-only task fields (BillingInformation, Mileage, Companies, TotalWork)", async () => {
    const dav = new DavSide({ client: davClient, name: "dav" });
    const todo = await dav.createCollection("tasks", "Todo");
    const tasks = (await ews.listCollections()).find((f) => f.kind === "tasks" && f.displayName === "Tasks")!.id;
    const created = await other.createItem(
      [{ type: "Task", item: { subject: "Write report", billingInformation: "Project 42", mileage: "30 km", companies: ["Acme"], totalWork: 120 } }],
      { savedItemFolder: { id: tasks } },
    );
    if (isEwsError(created[0])) throw created[0];
    const taskPair = await engine.link({ id: "tasks", kind: "tasks", remote: { side: "ews", collection: tasks }, local: { side: "dav", collection: todo.id } });
    ok(await engine.runOnce());
    const [item] = await davClient.fetchAll(taskPair.local.collection);
    await davClient.updateItem({ href: item!.href, etag: item!.etag, text: item!.data.replace("SUMMARY:Write report", "SUMMARY:Write the report") });
    ok(await engine.runOnce());
    const [got] = await other.getItem([{ id: created[0]!.id }]);
    if (!got || isEwsError(got) || got.type !== "Task") throw new Error("task gone");
    expect(got.item).toMatchObject({ subject: "Write the report", billingInformation: "Project 42", mileage: "30 km", companies: ["Acme"], totalWork: 120 });
  });

  it("one side edits an e-mail, the other adds one: both survive on both sides", async () => {
    await editDav("fid-carol", (t) => t.replace("carol@old.example", "carol@new.example"));
    await editExchange("fid-carol", (c) => ({ ...c, emailAddresses: { ...c.emailAddresses, EmailAddress2: { address: "carol@home.example" } } }));
    const report = await engine.runOnce();
    ok(report);
    expect(report.pairs[0]!.conflicts).toEqual([]);
    expect(lines((await davCard("fid-carol")).data, "EMAIL").sort()).toEqual(["TYPE=home:carol@home.example", "TYPE=work:carol@new.example"]);
    const carol = await exchangeItem("fid-carol");
    expect(carol.emailAddresses?.EmailAddress1?.address).toBe("carol@new.example");
    expect(carol.emailAddresses?.EmailAddress2?.address).toBe("carol@home.example");
  });

  it("both sides replace the same e-mail differently: one conflict, settled by the policy, no duplicate", async () => {
    await editDav("fid-dan", (t) => t.replace("dan@old.example", "dan@dav.example"));
    await editExchange("fid-dan", (c) => ({ ...c, emailAddresses: { ...c.emailAddresses, EmailAddress1: { address: "dan@ews.example" } } }));
    const report = await engine.runOnce();
    ok(report);
    expect(report.pairs[0]!.conflicts).toMatchObject([{ uid: "fid-dan", property: "EMAIL", winner: "remote" }]);
    expect(lines((await davCard("fid-dan")).data, "EMAIL")).toEqual(["TYPE=work:dan@ews.example", "TYPE=home:dan@home.example"]);
    const dan = await exchangeItem("fid-dan");
    expect(dan.emailAddresses?.EmailAddress1?.address).toBe("dan@ews.example");
    expect(dan.emailAddresses?.EmailAddress2?.address).toBe("dan@home.example");
  });

  it("a first pairing (state lost) reads Exchange's items onto the DAV cards: nothing written, no duplicate ADR, the 4th EMAIL stays", async () => {
    const before = (await davCard("fid-ada")).data;
    const fresh = new SyncEngine({ store: new MemoryStateStore(), sides: [ews, new DavSide({ client: davClient, name: "dav" })], policy: { conflict: "remote-wins" } });
    await fresh.link({ id: pair.id, kind: pair.kind, remote: pair.remote, local: pair.local });
    const report = await fresh.runOnce();
    ok(report);
    const p = report.pairs[0]!;
    expect(p.local.created.length + p.remote.created.length + p.local.updated.length + p.remote.updated.length).toBe(0);
    expect(p.conflicts).toEqual([]);
    const after = (await davCard("fid-ada")).data;
    expect(after).toBe(before);
    expect(values(after, "ADR")).toHaveLength(1);
    expect(values(after, "EMAIL")).toHaveLength(4);
  });

  it("newest-wins compares Exchange's LastModifiedTime with the card's REV, either way round", async () => {
    const box = sim.mailbox("alice@example.com");
    const clock = box.now;
    const newest = new SyncEngine({ store, sides: [ews, new DavSide({ client: davClient, name: "dav" })], policy: { conflict: "newest-wins" } });
    try {
      // The DAV edit is older (REV 2030-01-01T10:00Z) than the Exchange edit (2030-01-02): Exchange wins.
      await editDav("fid-eve", (t) => t.replace("TITLE:Start", "TITLE:Older on DAV").replace(/REV:.*/, "REV:20300101T100000Z"));
      box.now = () => Date.parse("2030-01-02T00:00:00Z");
      await editExchange("fid-eve", (c) => ({ ...c, jobTitle: "Newer on Exchange" }));
      const first = await newest.runOnce();
      ok(first);
      expect(first.pairs[0]!.conflicts).toMatchObject([{ uid: "fid-eve", property: "TITLE", winner: "remote" }]);
      expect(values((await davCard("fid-eve")).data, "TITLE")).toEqual(["Newer on Exchange"]);
      // Now the DAV edit is newer (REV 2030-01-05) than the Exchange edit (2030-01-03): DAV wins.
      box.now = () => Date.parse("2030-01-03T00:00:00Z");
      await editExchange("fid-eve", (c) => ({ ...c, jobTitle: "Older on Exchange" }));
      await editDav("fid-eve", (t) => t.replace(/TITLE:.*/, "TITLE:Newer on DAV").replace(/REV:.*/, "REV:20300105T000000Z"));
      const second = await newest.runOnce();
      ok(second);
      expect(second.pairs[0]!.conflicts).toMatchObject([{ uid: "fid-eve", property: "TITLE", winner: "local" }]);
      expect((await exchangeItem("fid-eve")).jobTitle).toBe("Newer on DAV");
      expect(values((await davCard("fid-eve")).data, "TITLE")).toEqual(["Newer on DAV"]);
    } finally {
      box.now = clock;
    }
  });
});
