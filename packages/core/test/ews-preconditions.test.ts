/**
 * Preconditions on occurrences and deletes (issue 13 item 5). Another Exchange client edits the
 * item while the engine's write is in flight — injected by a client layer right before (or right
 * after) the engine's request, over HTTP against the simulator — and its edit survives: the engine
 * is told `precondition-failed`, re-reads and merges, and never overwrites it or hides it from the
 * other side.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { basicAuth, EwsClient, isEwsError, type EwsHttpRequest } from "@ewsdav/ews-client";
import { startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import { MemoryStateStore, SyncEngine, type CollectionKind, type PairRecord, type SyncReport } from "@ewsdav/core";
import { EwsSide } from "@ewsdav/core/ews";
import { VdirSide } from "@ewsdav/core/vdir";
import { prop } from "../src/fixtures.test-support.js";

const ok = (r: SyncReport) => expect(r.ok, JSON.stringify(r.pairs.map((p) => [p.pairId, p.error, p.errors.slice(0, 3)]))).toBe(true);

/** A weekly series of 8 Mondays from 2030-01-07, 09:00–10:00 UTC. */
const SERIES =
  "<CalendarItem><Subject>Weekly sync</Subject><Start>2030-01-07T09:00:00Z</Start><End>2030-01-07T10:00:00Z</End>" +
  "<Recurrence><WeeklyRecurrence><Interval>1</Interval><DaysOfWeek>Monday</DaysOfWeek></WeeklyRecurrence>" +
  "<NumberedRecurrence><StartDate>2030-01-07</StartDate><NumberOfOccurrences>8</NumberOfOccurrences></NumberedRecurrence></Recurrence></CalendarItem>";

/** Creates the series with its third Monday already an exception (so the files hold that override, with its UID). */
function seedSeries(sim: EwsSimulator, folderId: string): void {
  const box = sim.mailbox("alice@example.com");
  const master = box.createItem(folderId, SERIES);
  box.modifyOccurrence(master.id, 3, "<CalendarItem><Subject>Third one</Subject></CalendarItem>");
}

/** The VEVENT blocks of an iCalendar text. */
const vevents = (text: string) => text.split("BEGIN:VEVENT").slice(1).map((b) => b.slice(0, b.indexOf("END:VEVENT")));
/** The override of the occurrence starting on `day` (YYYYMMDD), if any. */
const override = (text: string, day: string) => vevents(text).find((b) => new RegExp(`^RECURRENCE-ID[^:]*:${day}`, "m").test(b.replace(/\r?\n[ \t]/g, "")));

describe("preconditions on occurrences and deletes, against the EWS simulator", () => {
  let sim: EwsSimulator;
  /** Runs once, in the layer, around the next request it matches. */
  let hook: { when: "before" | "after"; match: (request: EwsHttpRequest) => boolean; run: () => void } | undefined;
  let client: EwsClient;
  const roots: string[] = [];
  beforeAll(async () => {
    sim = await startEwsSimulator({ record: false });
    client = new EwsClient({
      url: sim.url,
      auth: basicAuth({ username: "alice@example.com", password: "secret" }),
      mailbox: "alice@example.com",
      layers: [
        (next) => async (request) => {
          const h = hook && hook.match(request) ? hook : undefined;
          if (h?.when === "before") (hook = undefined), h.run();
          const response = await next(request);
          if (h?.when === "after") (hook = undefined), h.run();
          return response;
        },
      ],
    });
  });
  afterEach(() => {
    hook = undefined;
  });
  afterAll(async () => {
    await client?.close();
    await sim?.stop();
    for (const root of roots) rmSync(root, { recursive: true, force: true });
  });

  /** An engine between a fresh folder of the mailbox and a vdir collection, synced until quiet. */
  async function setup(kind: CollectionKind, folderClass: string, seed: (folderId: string) => void) {
    const box = sim.mailbox("alice@example.com");
    const folder = box.createFolder("msgfolderroot", `${kind}-${Math.random().toString(36).slice(2, 8)}`, folderClass);
    seed(folder.id);
    const root = mkdtempSync(join(tmpdir(), "ewsdav-preconditions-"));
    roots.push(root);
    const ews = new EwsSide({ client, name: "ews", timeZone: "UTC" });
    const engine = new SyncEngine({ store: new MemoryStateStore(), sides: [ews, new VdirSide({ root, fsync: false })], policy: { conflict: "remote-wins" } });
    await ews.listCollections();
    const pair: PairRecord = await engine.link({ kind, remote: { side: "ews", collection: folder.id }, local: { side: "vdir", create: { displayName: kind } } });
    for (let i = 0; i < 2; i++) ok(await engine.runOnce());
    const dir = join(root, pair.local.collection);
    const file = (needle = "") => {
      const name = readdirSync(dir).find((n) => /\.(ics|vcf)$/.test(n) && readFileSync(join(dir, n), "utf8").includes(needle));
      return name ? { path: join(dir, name), text: readFileSync(join(dir, name), "utf8") } : undefined;
    };
    return { box, folder, engine, dir, file };
  }

  it("an occurrence edited in Exchange between the engine's read of it and its occurrence write is not overwritten", async () => {
    const { box, folder, engine, file } = await setup("events", "IPF.Appointment", (id) => seedSeries(sim, id));
    const master = box.items(folder.id)[0]!;
    // The files rename the third Monday's meeting (an override already there): the EWS side writes it as an occurrence update.
    const { path, text } = file()!;
    writeFileSync(path, text.replace("SUMMARY:Third one", "SUMMARY:Third one from the files"));
    // Outlook renames that same occurrence after the engine read it, before the engine's UpdateItem of it.
    hook = {
      when: "after",
      match: (r) => r.operation === "GetItem" && r.body.includes("OccurrenceItemId"),
      run: () => void box.modifyOccurrence(master.id, 3, "<CalendarItem><Subject>Third one from Outlook</Subject></CalendarItem>"),
    };
    const raced = await engine.runOnce();
    expect(hook).toBeUndefined(); // the edit was made in the window
    ok(raced);
    const occurrenceSubject = async () => {
      const [r] = await client.getItem([{ recurringMasterId: master.id, instanceIndex: 3 }], { shape: { baseShape: "AllProperties" } });
      return r && !isEwsError(r) && r.type === "CalendarItem" ? r.item.subject : undefined;
    };
    // Remote wins the conflict on the occurrence's summary: Outlook's edit is kept, and reaches the files.
    expect(await occurrenceSubject()).toBe("Third one from Outlook");
    expect(raced.pairs[0]!.conflicts.length).toBeGreaterThan(0);
    ok(await engine.runOnce());
    expect(prop(override(file()!.text, "20300121")!, "SUMMARY")).toBe("Third one from Outlook");
    expect(await occurrenceSubject()).toBe("Third one from Outlook");
  });

  it("an edit of another occurrence made right after the engine's master write is not taken as the engine's own", async () => {
    const { box, folder, engine, file } = await setup("events", "IPF.Appointment", (id) => seedSeries(sim, id));
    const master = box.items(folder.id)[0]!;
    const { path, text } = file()!;
    writeFileSync(path, text.replace("SUMMARY:Weekly sync", "SUMMARY:Weekly sync (renamed)").replace("SUMMARY:Third one", "SUMMARY:Third one from the files"));
    // Outlook moves the fifth Monday's meeting to another room right after the engine's master UpdateItem.
    hook = {
      when: "after",
      match: (r) => r.operation === "UpdateItem",
      run: () => void box.modifyOccurrence(master.id, 5, "<CalendarItem><Location>Room from Outlook</Location></CalendarItem>"),
    };
    ok(await engine.runOnce());
    expect(hook).toBeUndefined();
    ok(await engine.runOnce());
    const after = file()!.text;
    expect(prop(after, "SUMMARY")).toBe("Weekly sync (renamed)");
    expect(prop(override(after, "20300121")!, "SUMMARY")).toBe("Third one from the files");
    expect(prop(override(after, "20300204") ?? "", "LOCATION")).toBe("Room from Outlook");
    expect(box.item(master.id)!.modifiedOccurrences).toEqual(["2030-01-21T09:00:00Z", "2030-02-04T09:00:00Z"]);
  });

  it("a delete racing an Exchange edit: the edit survives in the folder and comes back to the files", async () => {
    const { box, folder, engine, dir, file } = await setup("contacts", "IPF.Contact", (id) => {
      sim.mailbox("alice@example.com").createItem(id, "<Contact><GivenName>Dana</GivenName><Surname>Race</Surname></Contact>");
      sim.mailbox("alice@example.com").createItem(id, "<Contact><GivenName>Other</GivenName><Surname>Bystander</Surname></Contact>");
    });
    const contact = box.items(folder.id).find((i) => i.get("Surname") === "Race")!;
    unlinkSync(file("Race")!.path);
    // Outlook edits the contact after the engine's read and before its DeleteItem arrives.
    hook = { when: "before", match: (r) => r.operation === "DeleteItem", run: () => void box.updateItem(contact.id, "<Contact><JobTitle>Promoted in Outlook</JobTitle></Contact>") };
    const raced = await engine.runOnce();
    expect(hook).toBeUndefined();
    const inFolder = box.items(folder.id).filter((i) => i.get("Surname") === "Race");
    expect(inFolder).toHaveLength(1);
    expect(inFolder[0]!.get("JobTitle")).toBe("Promoted in Outlook");
    expect(box.items("deleteditems").some((i) => i.get("Surname") === "Race")).toBe(false);
    ok(raced);
    expect(raced.pairs[0]!.remote.deleted).toEqual([]); // the delete answered precondition-failed, and was not made again
    ok(await engine.runOnce());
    const back = file("Race");
    expect(back, readdirSync(dir).join(",")).toBeDefined();
    expect(prop(back!.text, "TITLE")).toBe("Promoted in Outlook");
    // Settled: one more cycle changes nothing on either side.
    const settled = await engine.runOnce();
    ok(settled);
    expect(settled.pairs[0]!.remote.deleted).toEqual([]);
    expect(box.items(folder.id)).toHaveLength(2);
  });

  it("a delete with nothing racing it goes through: the item is in Deleted Items and stays deleted", async () => {
    const { box, folder, engine, file } = await setup("contacts", "IPF.Contact", (id) => {
      sim.mailbox("alice@example.com").createItem(id, "<Contact><GivenName>Quiet</GivenName><Surname>Delete</Surname></Contact>");
      sim.mailbox("alice@example.com").createItem(id, "<Contact><GivenName>Other</GivenName><Surname>Stays</Surname></Contact>");
    });
    unlinkSync(file("Delete")!.path);
    const report = await engine.runOnce();
    ok(report);
    expect(report.pairs[0]!.remote.deleted).toHaveLength(1);
    expect(box.items(folder.id).map((i) => i.get("Surname"))).toEqual(["Stays"]);
    expect(box.items("deleteditems").some((i) => i.get("Surname") === "Delete")).toBe(true);
    ok(await engine.runOnce());
    expect(file("Delete")).toBeUndefined();
  });

  it("the simulator treats ChangeKeys as Exchange does: an occurrence edit changes the master's, DeleteItem ignores them", async () => {
    const box = sim.mailbox("alice@example.com");
    const folder = box.createFolder("msgfolderroot", "ck-semantics", "IPF.Appointment");
    const master = box.createItem(folder.id, SERIES);
    const [occurrence] = await client.getItem([{ recurringMasterId: master.id, instanceIndex: 2 }], { shape: { baseShape: "IdOnly" } });
    expect(!isEwsError(occurrence!) && occurrence!.type === "CalendarItem" && occurrence!.item.itemId?.changeKey).toBe(master.changeKey);
    box.modifyOccurrence(master.id, 4, "<CalendarItem><Subject>Changed elsewhere</Subject></CalendarItem>");
    expect(box.item(master.id)!.changeKey).not.toBe(master.changeKey);
    // An occurrence update with the ChangeKey read before that edit is refused.
    const [u] = await client.updateItem(
      [{ target: { recurringMasterId: master.id, instanceIndex: 2, changeKey: master.changeKey }, before: { type: "CalendarItem", item: {} }, after: { type: "CalendarItem", item: { subject: "Stale" } } }],
      { conflictResolution: "NeverOverwrite" },
    );
    expect(isEwsError(u!) && (u as { responseCode?: string }).responseCode).toBe("ErrorIrresolvableConflict");
    // DeleteItem with a stale ChangeKey deletes all the same.
    const contact = box.createItem("contacts", "<Contact><GivenName>Stale</GivenName></Contact>");
    box.updateItem(contact.id, "<Contact><Surname>Edited</Surname></Contact>");
    const [d] = await client.deleteItem([{ id: contact.id, changeKey: contact.changeKey }], { deleteType: "HardDelete" });
    expect(d).toBe(true);
    expect(box.item(contact.id)).toBeUndefined();
  });
});
