import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EWS_SCHEMA_DIR } from "../../../test/harness/ews-schema.js";
import { startEwsSimulator, type EwsSimulator } from "./index.js";
import { codes, find, findAll, soap } from "./soap.test-support.js";
import type { XmlElement } from "./xml.js";

const GUID = "0f4c8a8e-6d2b-4c1e-9a35-7b2d1e0c9f11";
const syncRequest = (folderId: string, state: string | undefined, max = 512, ignore = "") =>
  `<m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="contacts:GivenName"/><t:ExtendedFieldURI PropertySetId="${GUID}" PropertyName="Uid" PropertyType="String"/></t:AdditionalProperties></m:ItemShape><m:SyncFolderId><t:FolderId Id="${folderId}"/></m:SyncFolderId>${state ? `<m:SyncState>${state}</m:SyncState>` : ""}${ignore ? `<m:Ignore>${ignore}</m:Ignore>` : ""}<m:MaxChangesReturned>${max}</m:MaxChangesReturned></m:SyncFolderItems>`;

interface Feed { state: string; pages: number; changes: XmlElement[] }

describe("EWS simulator: SyncFolderItems", () => {
  let sim: EwsSimulator;
  let folderId: string;
  beforeAll(async () => {
    sim = await startEwsSimulator({ seed: "small" });
    const box = sim.mailbox("alice@example.com");
    folderId = box.createFolder("contacts", "Sync me", "IPF.Contact").id;
    for (let i = 0; i < 1200; i++) {
      box.createItem(folderId, `<Contact><ExtendedProperty><ExtendedFieldURI PropertySetId="${GUID}" PropertyName="Uid" PropertyType="String"/><Value>uid-${i}</Value></ExtendedProperty><GivenName>C${i}</GivenName></Contact>`);
    }
  });
  afterAll(() => sim.stop());

  async function syncAll(state: string | undefined, max = 512): Promise<Feed> {
    const changes: XmlElement[] = [];
    let pages = 0;
    for (;;) {
      const result = await soap(sim.url, syncRequest(folderId, state, max));
      expect(codes(result)).toEqual(["NoError"]);
      pages++;
      state = find(result.root, "SyncState")!.text;
      changes.push(...(find(result.root, "Changes")?.children ?? []));
      if (find(result.root, "IncludesLastItemInRange")!.text === "true") return { state, pages, changes };
    }
  }

  let initial: Feed;

  it("a first sync pages through every item with MaxChangesReturned and IdOnly + AdditionalProperties", async () => {
    initial = await syncAll(undefined);
    expect(initial.pages).toBe(3);
    expect(initial.changes).toHaveLength(1200);
    expect(initial.changes.every((c) => c.name === "Create")).toBe(true);
    const ids = new Set(initial.changes.map((c) => find(c, "ItemId")!.attrs.Id));
    expect(ids.size).toBe(1200);
    const contact = initial.changes[7]!.children[0]!;
    expect(contact.children.map((c) => c.name)).toEqual(["ItemId", "ExtendedProperty", "GivenName"]);
    expect(find(contact, "Value")?.text).toBe("uid-7");
  });

  it("an incremental sync returns exactly the changes since the state, across more than 512 changes", async () => {
    const box = sim.mailbox("alice@example.com");
    const items = box.items(folderId);
    for (const item of items.slice(0, 600)) box.updateItem(item.id, "<Contact><Surname>Updated</Surname></Contact>");
    for (const item of items.slice(600, 610)) box.deleteItem(item.id);
    const created = Array.from({ length: 5 }, (_, i) => box.createItem(folderId, `<Contact><GivenName>New${i}</GivenName></Contact>`));
    const transient = box.createItem(folderId, "<Contact><GivenName>Transient</GivenName></Contact>");
    box.deleteItem(transient.id);
    box.updateItem(created[0]!.id, "<Contact><Surname>Edited after create</Surname></Contact>");

    const feed = await syncAll(initial.state);
    expect(feed.pages).toBe(2);
    const byType = (t: string) => feed.changes.filter((c) => c.name === t);
    expect(byType("Update")).toHaveLength(600);
    expect(byType("Delete")).toHaveLength(10);
    expect(byType("Create")).toHaveLength(5);
    expect(feed.changes).toHaveLength(615);
    const deleted = new Set(byType("Delete").map((d) => find(d, "ItemId")!.attrs.Id));
    expect([...deleted].sort()).toEqual(items.slice(600, 610).map((i) => i.id).sort());
    const updated = byType("Update").map((u) => find(u, "ItemId")!);
    expect(updated.every((u) => u.attrs.ChangeKey === box.item(u.attrs.Id!)!.changeKey)).toBe(true);
    expect(byType("Create").some((c) => find(c, "ItemId")!.attrs.Id === transient.id)).toBe(false);

    const again = await syncAll(initial.state);
    expect(again.changes).toHaveLength(615);
    const quiet = await soap(sim.url, syncRequest(folderId, feed.state));
    expect(find(quiet.root, "Changes")?.children).toEqual([]);
    expect(find(quiet.root, "IncludesLastItemInRange")?.text).toBe("true");
  });

  it("changes made during paging are delivered once, on a later page", async () => {
    const box = sim.mailbox("alice@example.com");
    const base = await syncAll(undefined);
    const items = box.items(folderId);
    for (const item of items.slice(0, 20)) box.updateItem(item.id, "<Contact><Surname>Round 2</Surname></Contact>");
    const first = await soap(sim.url, syncRequest(folderId, base.state, 10));
    expect(find(first.root, "IncludesLastItemInRange")?.text).toBe("false");
    box.updateItem(items[0]!.id, "<Contact><Surname>Round 3</Surname></Contact>");
    const rest = await syncAll(find(first.root, "SyncState")!.text, 10);
    const seen = [...find(first.root, "Changes")!.children, ...rest.changes].map((c) => find(c, "ItemId")!.attrs.Id);
    expect(new Set(seen).size).toBe(20);
    expect(seen.filter((id) => id === items[0]!.id)).toHaveLength(2);
  });

  it("never returns Body or Attachments in changes, even with AllProperties", async () => {
    const box = sim.mailbox("alice@example.com");
    const contacts = box.folder("contacts").id;
    const result = await soap(sim.url, `<m:SyncFolderItems><m:ItemShape><t:BaseShape>AllProperties</t:BaseShape></m:ItemShape><m:SyncFolderId><t:FolderId Id="${contacts}"/></m:SyncFolderId><m:MaxChangesReturned>5</m:MaxChangesReturned></m:SyncFolderItems>`);
    const items = findAll(result.root, "Contact");
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((c) => !c.children.some((p) => p.name === "Body" || p.name === "Attachments"))).toBe(true);
    expect(items.every((c) => c.children.some((p) => p.name === "GivenName"))).toBe(true);
  });

  it("reports read-flag changes as ReadFlagChange and honours Ignore", async () => {
    const box = sim.mailbox("alice@example.com");
    const inbox = box.folder("inbox").id;
    const req = (state?: string, ignore = "") => soap(sim.url, syncRequest(inbox, state, 512, ignore).replace(/<t:AdditionalProperties>.*<\/t:AdditionalProperties>/, ""));
    const first = await req();
    const state = find(first.root, "SyncState")!.text;
    const unread = box.items("inbox").find((m) => m.get("IsRead") !== "true")!;
    box.setReadFlag(unread.id, true);
    const next = await req(state);
    const change = find(next.root, "Changes")!.children;
    expect(change.map((c) => c.name)).toEqual(["ReadFlagChange"]);
    expect(find(change[0], "IsRead")?.text).toBe("true");
    box.updateItem(unread.id, "<Message><Subject>edited</Subject></Message>");
    const ignored = await req(state, `<t:ItemId Id="${unread.id}"/>`);
    expect(find(ignored.root, "Changes")?.children).toEqual([]);
  });

  it("refuses a missing or out-of-range MaxChangesReturned with an ErrorSchemaValidation fault, as Exchange's schema does", async () => {
    // Its own simulator: these requests are invalid on purpose and must stay out of the recorded traffic checked below.
    const strict = await startEwsSimulator();
    try {
      const contacts = strict.mailbox("alice@example.com").folder("contacts").id;
      for (const body of [
        syncRequest(contacts, undefined, 513),
        syncRequest(contacts, undefined, 0),
        syncRequest(contacts, undefined).replace(/<m:MaxChangesReturned>512<\/m:MaxChangesReturned>/, ""),
      ]) {
        const result = await soap(strict.url, body);
        expect(result.status).toBe(500);
        expect(find(result.root, "faultcode")?.text).toBe("a:ErrorSchemaValidation");
        expect(find(result.root, "Violation")?.text).toContain("MaxChangesReturned");
      }
    } finally {
      await strict.stop();
    }
  });

  it("refuses corrupt, forged and foreign sync states with ErrorInvalidSyncStateData", async () => {
    const other = sim.mailbox("alice@example.com").folder("contacts").id;
    const otherState = find((await soap(sim.url, syncRequest(other, undefined))).root, "SyncState")!.text;
    for (const bad of ["garbage", "H4sIAAAAAAAAA6tWKkktLlGyUlAqS8wpTtVRSs7PS8tMBwD9ozJ5GgAAAA==", otherState]) {
      const result = await soap(sim.url, syncRequest(folderId, bad));
      expect(codes(result)).toEqual(["ErrorInvalidSyncStateData"]);
      expect(findAll(result.root, "SyncFolderItemsResponseMessage")[0]?.attrs.ResponseClass).toBe("Error");
    }
  });

  it("sends responses that validate against the official schema", async () => {
    expect(await sim.validateExchanges(EWS_SCHEMA_DIR)).toEqual([]);
  });
});

describe("EWS simulator: SyncFolderItems reports what the client was never given as Create (issue 13 item 7)", () => {
  let sim: EwsSimulator;
  beforeAll(async () => {
    sim = await startEwsSimulator();
  });
  afterAll(() => sim.stop());

  const page = async (folderId: string, state: string | undefined, max: number) => {
    const result = await soap(sim.url, syncRequest(folderId, state, max));
    expect(codes(result)).toEqual(["NoError"]);
    return {
      state: find(result.root, "SyncState")!.text,
      last: find(result.root, "IncludesLastItemInRange")!.text === "true",
      changes: (find(result.root, "Changes")?.children ?? []).map((c) => ({ type: c.name, id: find(c, "ItemId")!.attrs.Id! })),
    };
  };
  const rest = async (folderId: string, state: string, max: number) => {
    const changes: Array<{ type: string; id: string }> = [];
    for (;;) {
      const p = await page(folderId, state, max);
      changes.push(...p.changes);
      state = p.state;
      if (p.last) return { state, changes };
    }
  };

  it("an initial sync over several pages reports every item as Create, also one modified before and after the first page", async () => {
    const box = sim.mailbox("alice@example.com");
    const folderId = box.createFolder("contacts", "Initial pages", "IPF.Contact").id;
    const [a, b, c, d, e] = ["A", "B", "C", "D", "E"].map((n) => box.createItem(folderId, `<Contact><GivenName>${n}</GivenName></Contact>`));
    box.updateItem(a!.id, "<Contact><Surname>before the first page</Surname></Contact>");
    const first = await page(folderId, undefined, 2);
    expect(first.last).toBe(false);
    expect(first.changes).toEqual([{ type: "Create", id: b!.id }, { type: "Create", id: c!.id }]);
    box.updateItem(a!.id, "<Contact><Surname>after the first page</Surname></Contact>");
    box.updateItem(d!.id, "<Contact><Surname>after the first page</Surname></Contact>");
    box.updateItem(b!.id, "<Contact><Surname>given, then changed</Surname></Contact>");
    const more = await rest(folderId, first.state, 2);
    expect(more.changes.filter((x) => x.type === "Create").map((x) => x.id).sort()).toEqual([a!.id, d!.id, e!.id].sort());
    expect(more.changes.filter((x) => x.type !== "Create")).toEqual([{ type: "Update", id: b!.id }]);
    const quiet = await page(folderId, more.state, 2);
    expect(quiet.changes).toEqual([]);
  });

  it("an item deleted during a run of pages is a Delete only when an earlier page gave it", async () => {
    const box = sim.mailbox("alice@example.com");
    const folderId = box.createFolder("contacts", "Deleted while paging", "IPF.Contact").id;
    const [a, b, c, d] = ["A", "B", "C", "D"].map((n) => box.createItem(folderId, `<Contact><GivenName>${n}</GivenName></Contact>`));
    const first = await page(folderId, undefined, 2);
    expect(first.changes.map((x) => x.id)).toEqual([a!.id, b!.id]);
    box.deleteItem(a!.id);
    box.deleteItem(c!.id);
    const more = await rest(folderId, first.state, 2);
    expect(more.changes).toEqual([{ type: "Create", id: d!.id }, { type: "Delete", id: a!.id }]);
  });

  it("incremental window: created-then-modified is one Create, created-then-deleted is nothing", async () => {
    const box = sim.mailbox("alice@example.com");
    const folderId = box.createFolder("contacts", "Incremental window", "IPF.Contact").id;
    const old = box.createItem(folderId, "<Contact><GivenName>Old</GivenName></Contact>");
    const done = await rest(folderId, (await page(folderId, undefined, 1)).state, 1);
    const fresh = box.createItem(folderId, "<Contact><GivenName>Fresh</GivenName></Contact>");
    box.updateItem(fresh.id, "<Contact><Surname>edited</Surname></Contact>");
    const transient = box.createItem(folderId, "<Contact><GivenName>Transient</GivenName></Contact>");
    box.deleteItem(transient.id);
    box.updateItem(old.id, "<Contact><Surname>edited</Surname></Contact>");
    const window = await rest(folderId, done.state, 1);
    expect(window.changes).toEqual([{ type: "Create", id: fresh.id }, { type: "Update", id: old.id }]);
  });

  it("sends responses that validate against the official schema", async () => {
    expect(await sim.validateExchanges(EWS_SCHEMA_DIR)).toEqual([]);
  });
});
