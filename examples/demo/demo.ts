/**
 * The ewsdav demo, runnable on a fresh machine with no servers: an EWS simulator with a seeded
 * mailbox, synced both ways with a vdir folder (the layout khal and khard read) under a temporary
 * directory, with the SQLite state store.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { basicAuth, EwsClient } from "@ewsdav/ews-client";
import { startEwsSimulator } from "@ewsdav/ews-client/testing";
import { summarise, SyncEngine, type PairRecord, type SyncReport } from "@ewsdav/core";
import { EwsSide } from "@ewsdav/core/ews";
import { SqliteStateStore } from "@ewsdav/core/sqlite";
import { VdirSide } from "@ewsdav/core/vdir";

/** What the demo found, for its test. */
export interface DemoResult {
  first: SyncReport;
  second: SyncReport;
  /** The vdir edit arrived in Exchange. */
  localEditArrived: boolean;
  /** The Exchange edit arrived in the vdir folder. */
  remoteEditArrived: boolean;
}

function firstValue(text: string, name: string): string | null {
  const m = new RegExp(`^${name}(?:;[^:\\r\\n]*)?:(.*)$`, "m").exec(text.replace(/\r?\n[ \t]/g, ""));
  return m ? m[1]!.replace(/\r$/, "") : null;
}

/** Runs the demo, printing with `print`. Keeps the folder when `keep` is set. */
export async function runDemo(print: (line: string) => void = console.log, keep = false): Promise<DemoResult> {
  const dir = mkdtempSync(join(tmpdir(), "ewsdav-demo-"));
  const sim = await startEwsSimulator({ seed: "small" });
  const client = new EwsClient({ url: sim.url, auth: basicAuth({ username: "alice@example.com", password: "secret" }), mailbox: "alice@example.com" });
  const store = new SqliteStateStore(join(dir, "state.db"));
  try {
    print(`EWS simulator at ${sim.url} (mailbox alice@example.com, seed "small")`);
    print(`vdir folder: ${join(dir, "vdir")}   state: ${join(dir, "state.db")}`);
    const ews = new EwsSide({ client, name: "exchange" });
    const vdir = new VdirSide({ root: join(dir, "vdir"), name: "files" });
    const engine = new SyncEngine({ store, sides: [ews, vdir], policy: { conflict: "remote-wins" } });

    const names = new Map<string, string>();
    const pairs: PairRecord[] = [];
    for (const folder of await ews.listCollections()) {
      const pair = await engine.link({ kind: folder.kind, remote: { side: "exchange", collection: folder.id }, local: { side: "files", create: { displayName: folder.displayName } } });
      names.set(pair.id, `${folder.displayName} (${folder.kind})`);
      pairs.push(pair);
      print(`linked Exchange folder "${folder.displayName}" → ${pair.local.collection}/`);
    }

    engine.events.on("progress", (p) => {
      if (p.phase === "writing" && p.total > 0 && (p.done === p.total || p.done % 5 === 0)) print(`  ${names.get(p.pairId)}: ${p.done}/${p.total} items`);
    });
    const show = (report: SyncReport) => {
      for (const p of report.pairs) print(`  ${names.get(p.pairId)?.padEnd(28)} ${summarise(p)}`);
      print(`  ok: ${report.ok}`);
    };

    print("\n== first cycle: Exchange → files (items without a UID get one, written back once)");
    const first = await engine.runOnce();
    show(first);

    // One change on each side.
    const contacts = pairs.find((p) => p.kind === "contacts" && names.get(p.id)!.startsWith("Contacts"))!;
    const contactsDir = join(dir, "vdir", contacts.local.collection);
    const cardName = readdirSync(contactsDir).find((f) => f.endsWith(".vcf"))!;
    const card = readFileSync(join(contactsDir, cardName), "utf8");
    const edited = card.replace(/^NOTE[^\r\n]*\r?\n(?:[ \t][^\r\n]*\r?\n)*/m, "").replace("END:VCARD", "NOTE:Met at the ewsdav demo\r\nEND:VCARD");
    writeFileSync(join(contactsDir, cardName), edited);
    print(`\n== edited ${cardName} in the files: NOTE = "Met at the ewsdav demo"`);
    const box = sim.mailbox("alice@example.com");
    const tasksPair = pairs.find((p) => p.kind === "tasks" && names.get(p.id)!.startsWith("Tasks"))!;
    const task = box.items(tasksPair.remote.collection)[0]!;
    box.updateItem(task.id, "<Task><Subject>Write report (edited in Exchange)</Subject></Task>");
    print(`== edited a task in Exchange (as Outlook would): Subject = "Write report (edited in Exchange)"`);

    print("\n== second cycle");
    const second = await engine.runOnce();
    show(second);

    const uid = firstValue(card, "UID");
    const contactNow = box.items(contacts.remote.collection).map((i) => (i.get("Body") ?? "")).some((b) => b.includes("Met at the ewsdav demo"));
    const tasksDir = join(dir, "vdir", tasksPair.local.collection);
    const taskNow = readdirSync(tasksDir)
      .filter((f) => f.endsWith(".ics"))
      .some((f) => firstValue(readFileSync(join(tasksDir, f), "utf8"), "SUMMARY") === "Write report (edited in Exchange)");
    print(`\nfiles → Exchange: contact ${uid} has the new note in Exchange: ${contactNow ? "yes" : "NO"}`);
    print(`Exchange → files: the task's SUMMARY in the files is the new subject: ${taskNow ? "yes" : "NO"}`);
    if (keep) print(`\nkept ${dir}`);
    return { first, second, localEditArrived: contactNow, remoteEditArrived: taskNow };
  } finally {
    await store.close();
    await client.close?.();
    await sim.stop();
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}
