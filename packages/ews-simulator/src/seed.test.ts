import { describe, expect, it } from "vitest";
import { EWS_SCHEMA_DIR } from "../../../test/harness/ews-schema.js";
import { SimulatedMailbox } from "./mailbox.js";
import { LARGE_SEED_SIZES, seedLarge, seedSmall } from "./seed.js";
import { startEwsSimulator } from "./server.js";
import { codes, findAll, soap } from "./soap.test-support.js";

describe("simulator seeds", () => {
  it("the large seed is deterministic and holds thousands of contacts, events with exceptions and tasks", () => {
    const started = performance.now();
    const a = new SimulatedMailbox("alice@example.com", "Alice");
    seedLarge(a);
    const elapsed = performance.now() - started;
    console.info(`large seed: ${LARGE_SEED_SIZES.contacts} contacts, ${LARGE_SEED_SIZES.events} events, ${LARGE_SEED_SIZES.tasks} tasks in ${elapsed.toFixed(0)} ms`);
    expect(a.folder("contacts").totalCount).toBe(10_000);
    expect(a.folder("calendar").totalCount).toBe(2_000);
    expect(a.folder("tasks").totalCount).toBe(1_000);
    const series = a.items("calendar").filter((i) => i.element("Recurrence"));
    expect(series).toHaveLength(100);
    expect(series.every((s) => s.modifiedOccurrences.length === 1 && s.deletedOccurrences.length === 1)).toBe(true);
    const b = new SimulatedMailbox("alice@example.com", "Alice");
    seedLarge(b, { contacts: 50, events: 0, tasks: 0 });
    expect(b.items("contacts").map((c) => c.get("DisplayName"))).toEqual(a.items("contacts").slice(0, 50).map((c) => c.get("DisplayName")));
    expect(b.items("contacts")[3]!.id).toBe(a.items("contacts")[3]!.id);
  });

  it("the small seed has each kind, extra folders of each class and the interesting cases", () => {
    const box = new SimulatedMailbox("alice@example.com", "Alice");
    seedSmall(box);
    const classes = box.listFolders().filter((f) => !f.distinguishedId).map((f) => `${f.displayName}:${f.folderClass}`);
    expect(classes.sort()).toEqual(["Family:IPF.Contact", "Project Tasks:IPF.Task", "Team Calendar:IPF.Appointment"]);
    const ann = box.items("contacts")[0]!;
    expect(ann.attachments[0]?.isContactPhoto).toBe(true);
    expect(box.items("contacts").map((i) => i.kind).sort()).toEqual(["Contact", "Contact", "Contact", "Contact", "Contact", "DistributionList"]);
    const berlin = box.items("calendar").find((i) => i.get("Subject") === "Standup (Berlin)")!;
    const record = [...box.folderRecord("calendar").items.values()].find((i) => i.props.get("Subject")?.text === "Standup (Berlin)")!;
    expect(box.occurrenceStarts(record).map((t) => new Date(t).toISOString())).toEqual([
      "2026-03-16T08:00:00.000Z", "2026-03-23T08:00:00.000Z", "2026-03-30T07:00:00.000Z", "2026-04-06T07:00:00.000Z",
    ]);
    expect(berlin.element("StartTimeZone")?.attrs.Id).toBe("W. Europe Standard Time");
    const weekly = box.items("calendar").find((i) => i.get("Subject") === "Weekly sync")!;
    expect([weekly.modifiedOccurrences.length, weekly.deletedOccurrences.length]).toEqual([1, 1]);
  });

  it("serves the large seed through SyncFolderItems and GetItem with schema-valid responses", async () => {
    const sim = await startEwsSimulator({ seed: "large", record: true });
    try {
      const contacts = sim.mailbox("alice@example.com").folder("contacts").id;
      const sync = await soap(sim.url, `<m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:SyncFolderId><t:FolderId Id="${contacts}"/></m:SyncFolderId><m:MaxChangesReturned>512</m:MaxChangesReturned></m:SyncFolderItems>`);
      const ids = findAll(sync.root, "ItemId").slice(0, 50);
      expect(ids).toHaveLength(50);
      const get = await soap(sim.url, `<m:GetItem><m:ItemShape><t:BaseShape>AllProperties</t:BaseShape></m:ItemShape><m:ItemIds>${ids.map((i) => `<t:ItemId Id="${i.attrs.Id}"/>`).join("")}</m:ItemIds></m:GetItem>`);
      expect(codes(get)).toEqual(Array.from({ length: 50 }, () => "NoError"));
      const series = sim.mailbox("alice@example.com").items("calendar").filter((i) => i.element("Recurrence")).slice(0, 10);
      await soap(sim.url, `<m:GetItem><m:ItemShape><t:BaseShape>AllProperties</t:BaseShape></m:ItemShape><m:ItemIds>${series.map((s) => `<t:ItemId Id="${s.id}"/><t:OccurrenceItemId RecurringMasterId="${s.id}" InstanceIndex="2"/>`).join("")}</m:ItemIds></m:GetItem>`);
      expect(await sim.validateExchanges(EWS_SCHEMA_DIR)).toEqual([]);
    } finally {
      await sim.stop();
    }
  });
});
