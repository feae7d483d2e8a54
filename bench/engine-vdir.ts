/**
 * Benchmark: an initial sync of many items from an in-memory side (standing in for the server)
 * into a vdir folder, with the SQLite state store on disk; then a no-op cycle.
 * Prints wall time, items/s, peak memory, and the side calls of the no-op cycle; after the first
 * sync, the state file's size per item (pages in use) and its WAL.
 *
 *   npx tsx bench/engine-vdir.ts [contacts=10000] [events=10000] [tasks=2000] [--fsync]
 *
 * The EWS-simulator benchmark of issue 8 comes with the EWS side.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { MemorySide, SyncEngine, type SyncSide } from "@ewsdav/core";
import { SqliteStateStore } from "@ewsdav/core/sqlite";
import { VdirSide } from "@ewsdav/core/vdir";

const args = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const [contacts, events, tasks] = [Number(args[0] ?? 10_000), Number(args[1] ?? 10_000), Number(args[2] ?? 2_000)];
const fsync = process.argv.includes("--fsync");

/** Wraps a side to count its calls by method. */
function counted(side: SyncSide): { side: SyncSide; calls: Record<string, number> } {
  const calls: Record<string, number> = {};
  const wrapped = new Proxy(side, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (typeof value !== "function") return value;
      return (...a: unknown[]) => {
        calls[String(key)] = (calls[String(key)] ?? 0) + 1;
        return (value as (...x: unknown[]) => unknown).apply(target, a);
      };
    },
  });
  return { side: wrapped, calls };
}

function card(i: number): string {
  return [
    "BEGIN:VCARD",
    "VERSION:4.0",
    `UID:contact-${i}@bench`,
    `FN:Person ${i}`,
    `N:${i};Person;;;`,
    `EMAIL;TYPE=work:person${i}@example.org`,
    `TEL;TYPE=cell:+49 30 ${String(i).padStart(7, "0")}`,
    `ORG:Company ${i % 97}`,
    `NOTE:${"note text ".repeat(8)}`,
    "END:VCARD",
    "",
  ].join("\r\n");
}

function calendarItem(i: number, component: "VEVENT" | "VTODO"): string {
  const day = String((i % 28) + 1).padStart(2, "0");
  const lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//ewsdav//bench//EN", `BEGIN:${component}`, `UID:${component.toLowerCase()}-${i}@bench`, "DTSTAMP:20240101T000000Z"];
  if (component === "VEVENT") {
    lines.push(`DTSTART:202403${day}T090000Z`, `DTEND:202403${day}T100000Z`, `SUMMARY:Meeting ${i}`, `LOCATION:Room ${i % 50}`);
    if (i % 10 === 0) lines.push("RRULE:FREQ=WEEKLY;COUNT=10");
  } else {
    lines.push(`SUMMARY:Task ${i}`, `DUE:202404${day}T170000Z`, "STATUS:NEEDS-ACTION");
  }
  lines.push(`DESCRIPTION:${"description ".repeat(10)}`, `END:${component}`, "END:VCALENDAR", "");
  return lines.join("\r\n");
}

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);

const dir = mkdtempSync(join(tmpdir(), "ewsdav-bench-"));
try {
  const memory = new MemorySide({ name: "server", maxBatch: 100 });
  memory.addCollection("contacts", "contacts");
  memory.addCollection("calendar", "events");
  memory.addCollection("tasks", "tasks");
  for (let i = 0; i < contacts; i++) memory.put("contacts", card(i));
  for (let i = 0; i < events; i++) memory.put("calendar", calendarItem(i, "VEVENT"));
  for (let i = 0; i < tasks; i++) memory.put("tasks", calendarItem(i, "VTODO"));
  const remote = counted(memory);
  const local = counted(new VdirSide({ root: join(dir, "vdir"), fsync }));
  const file = join(dir, "state.db");
  const store = new SqliteStateStore(file);
  const engine = new SyncEngine({ store, sides: [local.side, remote.side] });
  for (const [collection, kind] of [["contacts", "contacts"], ["calendar", "events"], ["tasks", "tasks"]] as const) {
    await engine.link({ kind, remote: { side: "server", collection }, local: { side: "vdir", create: { displayName: collection } } });
  }
  const total = contacts + events + tasks;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const report = await engine.runOnce();
  const seconds = (performance.now() - t0) / 1000;
  const cpu1 = process.cpuUsage(cpu0);
  const created = report.pairs.reduce((n, p) => n + p.local.created.length, 0);
  console.log(`initial sync: ${total} items (${contacts} contacts, ${events} events, ${tasks} tasks) memory side → vdir folder, SQLite state, fsync ${fsync ? "on" : "off"}`);
  console.log(`  wall ${seconds.toFixed(2)} s, ${(total / seconds).toFixed(0)} items/s, CPU ${((cpu1.user + cpu1.system) / 1e6).toFixed(2)} s, created ${created}, ok ${report.ok}`);
  console.log(`  server calls: ${JSON.stringify(remote.calls)}  vdir calls: ${JSON.stringify(local.calls)}`);
  console.log(`  calls per item: server ${(Object.values(remote.calls).reduce((a, b) => a + b, 0) / total).toFixed(3)}`);
  {
    const check = new Database(file, { readonly: true });
    const inUse = ((check.pragma("page_count", { simple: true }) as number) - (check.pragma("freelist_count", { simple: true }) as number)) * (check.pragma("page_size", { simple: true }) as number);
    check.close();
    console.log(`  state: ${(inUse / 1024).toFixed(0)} KiB in use (${(inUse / total).toFixed(0)} B/item), file ${(statSync(file).size / 1024).toFixed(0)} KiB, WAL ${(statSync(`${file}-wal`).size / 1024).toFixed(0)} KiB`);
  }

  for (const k of Object.keys(remote.calls)) delete remote.calls[k];
  for (const k of Object.keys(local.calls)) delete local.calls[k];
  await engine.runOnce(); // echoes of our own writes
  for (const k of Object.keys(remote.calls)) delete remote.calls[k];
  for (const k of Object.keys(local.calls)) delete local.calls[k];
  const cpu2 = process.cpuUsage();
  const t1 = performance.now();
  const quiet = await engine.runOnce();
  const noop = (performance.now() - t1) / 1000;
  const cpu3 = process.cpuUsage(cpu2);
  const writes = quiet.pairs.reduce((n, p) => n + p.local.created.length + p.local.updated.length + p.remote.created.length + p.remote.updated.length, 0);
  console.log(`no-op cycle over ${report.pairs.length} pairs: wall ${noop.toFixed(2)} s, CPU ${((cpu3.user + cpu3.system) / 1e6).toFixed(2)} s, writes ${writes}`);
  console.log(`  server calls: ${JSON.stringify(remote.calls)}  vdir calls: ${JSON.stringify(local.calls)}`);
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  console.log(`peak RSS ${(peakRss / 1024 / 1024).toFixed(0)} MiB (sampled every 50 ms)`);
  await store.close();
} finally {
  clearInterval(sampler);
  rmSync(dir, { recursive: true, force: true });
}
