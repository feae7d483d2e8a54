/**
 * The ewsdav demo, runnable on a fresh machine with no servers: an EWS simulator with a seeded
 * mailbox, synced both ways with a vdir folder (the layout khal and khard read) under a temporary
 * directory, with the SQLite state store. Each cycle's summary names, per item, what a side could
 * not carry and why (a card with a fourth e-mail address shows it). With `watch`, it then stays in active mode: Exchange's
 * streaming notifications and polling of the folder carry every edit across within moments, and
 * the demo edits a contact "in Outlook" every few seconds to show it. With `graph`, the same story
 * runs over Microsoft Graph (`demo-graph.ts`).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { basicAuth, EwsClient, NotificationConnection } from "@ewsdav/ews-client";
import { startEwsSimulator, startSubscriptionFront } from "@ewsdav/ews-simulator";
import { summarise, SyncEngine, type PairRecord, type SyncReport } from "@ewsdav/core";
import { EwsSide } from "@ewsdav/core/ews";
import { SqliteStateStore } from "@ewsdav/core/sqlite";
import { VdirSide } from "@ewsdav/core/vdir";
import { droppedLines } from "../../output/lines.js";
import { firstValue, LOSSY_CARD, watchLive, type DemoOptions, type DemoResult } from "./demo-story.js";

export type { DemoOptions, DemoResult } from "./demo-story.js";
// The CLI's own better-sqlite3, so the state store loads wherever npm put @ewsdav/core.
import Database from "better-sqlite3";

/** Runs the demo, printing with `print`. */
export async function runDemo(print: (line: string) => void = console.log, options: DemoOptions = {}): Promise<DemoResult> {
  // The Graph demo is its own module: the Graph simulator and side load only for it.
  if (options.graph) return (await import("./demo-graph.js")).runGraphDemo(print, options);
  const keep = options.keep ?? false;
  const dir = mkdtempSync(join(tmpdir(), "ewsdav-demo-"));
  const sim = await startEwsSimulator({ seed: "small" });
  // The simulator's notification front (streaming and pull subscriptions); other requests pass through.
  const front = await startSubscriptionFront({ simulator: sim, users: [{ smtpAddress: "alice@example.com", password: "secret" }] });
  const auth = basicAuth({ username: "alice@example.com", password: "secret" });
  const client = new EwsClient({ url: front.url, auth, mailbox: "alice@example.com" });
  const notifications = new NotificationConnection({ url: front.url, mailbox: "alice@example.com", auth });
  const store = new SqliteStateStore({ path: join(dir, "state.db"), driver: Database });
  try {
    print(`EWS simulator at ${front.url} (mailbox alice@example.com, seed "small")`);
    print(`vdir folder: ${join(dir, "vdir")}   state: ${join(dir, "state.db")}`);
    const ews = new EwsSide({ client, name: "exchange", notifications });
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
    const sides = { local: "files", remote: "exchange" };
    const show = (report: SyncReport) => {
      for (const p of report.pairs) {
        print(`  ${names.get(p.pairId)?.padEnd(28)} ${summarise(p)}`);
        // Per item, what a side could not carry and why (bounded per pair).
        for (const line of droppedLines(p, sides, { maxLines: 5 })) print(`    ${line}`);
      }
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
    // A card Exchange cannot hold whole: the second cycle reports what stayed behind in the files.
    writeFileSync(join(contactsDir, "ada-lovelace.vcf"), LOSSY_CARD);
    print(`== added ada-lovelace.vcf in the files: four e-mail addresses (an Exchange contact holds three) and an X- property`);

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
    const result: DemoResult = { first, second, localEditArrived: contactNow, remoteEditArrived: taskNow };
    if (options.watch) result.live = await watchLive(engine, box, contacts.remote.collection, contactsDir, names, print, options.watch, { sideName: "exchange" });
    if (keep) print(`\nkept ${dir}`);
    return result;
  } finally {
    await store.close();
    await client.close?.();
    await notifications.close();
    await front.stop();
    await sim.stop();
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}
