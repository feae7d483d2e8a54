/**
 * The EWS simulator in a process of its own, for bench/peers.ts: seeds alice@example.com (password
 * `secret`) with `seedLarge` at the given sizes, prints one JSON line `{"url": …}` when listening,
 * then answers commands on stdin, one per line, each with one JSON line on stdout:
 *   counts   the requests received per operation since start or the last `clear`
 *   folders  the SyncFolderItems requests since the last `clear`, per folder (from the recorded requests)
 *   clear    forgets the counts and the recorded requests
 * It stops when stdin closes (the bench ended or died) or on SIGTERM/SIGINT.
 *
 *   node --import tsx bench/peers/ews-sim.ts CONTACTS EVENTS TASKS
 */
import { createInterface } from "node:readline";
import { seedLarge, startEwsSimulator } from "@ewsdav/ews-simulator";

const [contacts, events, tasks] = process.argv.slice(2, 5).map((v) => Number(v ?? 0));
if (![contacts, events, tasks].every((n) => Number.isInteger(n) && n! >= 0)) throw new Error("usage: ews-sim.ts CONTACTS EVENTS TASKS");

// Recording is kept small: only the no-op's few SyncFolderItems requests are looked at.
const sim = await startEwsSimulator({
  seed: (box) => seedLarge(box, { contacts: contacts!, events: events!, tasks: tasks! }),
  record: true,
  maxRecordedExchanges: 200,
  maxRecordedChars: 4_000_000,
});

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  sim.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);

const box = sim.mailbox("alice@example.com");

/** The folder a SyncFolderItems request names: its display name (or distinguished id, or id). */
function folderOf(xml: string): string {
  const sync = /SyncFolderId>([\s\S]*?)<\/[\w:]*SyncFolderId>/.exec(xml)?.[1] ?? "";
  const ref = /DistinguishedFolderId[^>]*\bId="([^"]+)"/.exec(sync)?.[1] ?? /FolderId[^>]*\bId="([^"]+)"/.exec(sync)?.[1];
  if (!ref) return "?";
  try {
    return box.folder(ref).displayName;
  } catch {
    return ref;
  }
}

const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => {
  const command = line.trim();
  if (command === "counts") console.log(JSON.stringify(sim.requestCounts()));
  else if (command === "clear") {
    sim.clearExchanges();
    console.log("{}");
  } else if (command === "folders") {
    const perFolder: Record<string, number> = {};
    for (const exchange of sim.exchanges) if (exchange.operation === "SyncFolderItems") perFolder[folderOf(exchange.requestXml)] = (perFolder[folderOf(exchange.requestXml)] ?? 0) + 1;
    console.log(JSON.stringify(perFolder));
  } else console.log(JSON.stringify({ error: `unknown command ${command}` }));
});
lines.on("close", stop);
console.log(JSON.stringify({ url: sim.url, contacts, events, tasks }));
