/**
 * The demo over Microsoft Graph (`ewsdav demo --graph`): the same story as the EWS demo — a seeded
 * mailbox synced both ways with a vdir folder, one edit on each side, a card Exchange cannot hold
 * whole — with the mailbox reached through the Graph simulator. The Graph simulator serves the
 * EWS simulator's mailbox (one mailbox, both protocols), so the demo's "edit in Outlook" is the same
 * change to the mailbox, and the Graph side sees it through its delta feed.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GraphClient } from "@ewsdav/graph-client";
import { startEwsSimulator } from "@ewsdav/ews-simulator";
import { startGraphSimulator } from "@ewsdav/graph-simulator";
import { summarise, SyncEngine, type PairRecord, type SyncReport } from "@ewsdav/core";
import { GraphSide } from "@ewsdav/core/graph";
import { SqliteStateStore } from "@ewsdav/core/sqlite";
import { VdirSide } from "@ewsdav/core/vdir";
import { droppedLines } from "../../output/lines.js";
import { firstValue, LOSSY_CARD, watchLive, type DemoOptions, type DemoResult } from "./demo-story.js";
// The CLI's own better-sqlite3, so the state store loads wherever npm put @ewsdav/core.
import Database from "better-sqlite3";

/** The demo's mailbox and its token at the Graph simulator (a delegated token of that user: `/me`). */
const MAILBOX = "alice@example.com";
const TOKEN = "demo-graph-token";

/** Runs the demo over Graph, printing with `print`. */
export async function runGraphDemo(print: (line: string) => void, options: DemoOptions = {}): Promise<DemoResult> {
  const keep = options.keep ?? false;
  const dir = mkdtempSync(join(tmpdir(), "ewsdav-demo-graph-"));
  const ews = await startEwsSimulator({ seed: "small" });
  const graph = await startGraphSimulator({ mailbox: (address) => ews.mailbox(address), users: [MAILBOX], tokens: { [TOKEN]: MAILBOX } });
  const client = new GraphClient({ baseUrl: graph.url, getToken: async () => TOKEN, mailboxKey: MAILBOX });
  const store = new SqliteStateStore({ path: join(dir, "state.db"), driver: Database });
  try {
    print(`Graph simulator at ${graph.url} over the EWS simulator's mailbox ${MAILBOX} (seed "small"): one mailbox, both protocols`);
    print(`vdir folder: ${join(dir, "vdir")}   state: ${join(dir, "state.db")}`);
    const side = new GraphSide({ client, name: "graph" });
    const vdir = new VdirSide({ root: join(dir, "vdir"), name: "files" });
    const engine = new SyncEngine({ store, sides: [side, vdir], policy: { conflict: "remote-wins" } });

    const names = new Map<string, string>();
    const pairs: PairRecord[] = [];
    for (const collection of await side.listCollections()) {
      const pair = await engine.link({ kind: collection.kind, remote: { side: "graph", collection: collection.id }, local: { side: "files", create: { displayName: collection.displayName } } });
      names.set(pair.id, `${collection.displayName} (${collection.kind})`);
      pairs.push(pair);
      print(`linked Graph ${collection.kind === "contacts" ? "contact folder" : collection.kind === "events" ? "calendar" : "To Do list"} "${collection.displayName}" → ${pair.local.collection}/`);
    }
    engine.events.on("progress", (p) => {
      if (p.phase === "writing" && p.total > 0 && (p.done === p.total || p.done % 5 === 0)) print(`  ${names.get(p.pairId)}: ${p.done}/${p.total} items`);
    });
    const sides = { local: "files", remote: "graph" };
    const show = (report: SyncReport) => {
      for (const p of report.pairs) {
        print(`  ${names.get(p.pairId)?.padEnd(28)} ${summarise(p)}`);
        for (const line of droppedLines(p, sides, { maxLines: 5 })) print(`    ${line}`);
      }
      print(`  ok: ${report.ok}`);
    };

    print("\n== first cycle: Graph → files (items without a UID get one, written back once into ewsdav's extended property)");
    const first = await engine.runOnce();
    show(first);

    // One change on each side: a note added in the files, a job title changed "in Outlook".
    const contacts = pairs.find((p) => p.kind === "contacts" && p.remote.collection === "contacts")!;
    const contactsDir = join(dir, "vdir", contacts.local.collection);
    const cardName = readdirSync(contactsDir).find((f) => f.endsWith(".vcf"))!;
    const card = readFileSync(join(contactsDir, cardName), "utf8");
    const edited = card.replace(/^NOTE[^\r\n]*\r?\n(?:[ \t][^\r\n]*\r?\n)*/m, "").replace("END:VCARD", "NOTE:Met at the ewsdav demo\r\nEND:VCARD");
    writeFileSync(join(contactsDir, cardName), edited);
    print(`\n== edited ${cardName} in the files: NOTE = "Met at the ewsdav demo"`);
    const box = ews.mailbox(MAILBOX);
    const uid = firstValue(card, "UID");
    const other = box.items("contacts").find((i) => i.kind === "Contact" && !(i.get("Body") ?? "").includes("Met at the ewsdav demo") && i.get("DisplayName") !== firstValue(card, "FN"))!;
    box.updateItem(other.id, "<Contact><JobTitle>Edited in Exchange</JobTitle></Contact>");
    print(`== edited "${other.get("DisplayName") ?? other.id}" in Exchange (as Outlook would): job title = "Edited in Exchange"`);
    writeFileSync(join(contactsDir, "ada-lovelace.vcf"), LOSSY_CARD);
    print(`== added ada-lovelace.vcf in the files: four e-mail addresses (an Exchange contact holds three) and an X- property`);

    print("\n== second cycle");
    const second = await engine.runOnce();
    show(second);

    const contactNow = box.items("contacts").some((i) => (i.get("Body") ?? "").includes("Met at the ewsdav demo"));
    const titleNow = readdirSync(contactsDir)
      .filter((f) => f.endsWith(".vcf"))
      .some((f) => firstValue(readFileSync(join(contactsDir, f), "utf8"), "TITLE") === "Edited in Exchange");
    print(`\nfiles → Graph: contact ${uid} has the new note in the mailbox: ${contactNow ? "yes" : "NO"}`);
    print(`Graph → files: the contact edited in Exchange has TITLE "Edited in Exchange" in the files: ${titleNow ? "yes" : "NO"}`);
    const batched = graph.requests.filter((r) => r.inBatch).length;
    print(`Graph: ${graph.requests.length - batched} HTTP requests, carrying ${batched} requests inside $batch`);
    const result: DemoResult = { first, second, localEditArrived: contactNow, remoteEditArrived: titleNow };
    if (options.watch) result.live = await watchLive(engine, box, "contacts", contactsDir, names, print, options.watch, { sideName: "graph" });
    if (keep) print(`\nkept ${dir}`);
    return result;
  } finally {
    await store.close();
    await client.close();
    await graph.stop();
    await ews.stop();
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}
