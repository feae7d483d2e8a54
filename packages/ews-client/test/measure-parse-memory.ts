/**
 * Measures what parsing a large EWS response costs in heap, relative to its body size: the figures
 * behind the client's default response size limit (`DEFAULT_MAX_RESPONSE_BYTES`, README "Memory").
 *
 * Realistic bodies are taken from the simulator (GetItem of 50 contacts and of 50 calendar items with
 * AllProperties, SyncFolderItems of 512 IdOnly changes) and repeated up to the target size. For each
 * size it reports, per byte of body: the response text, the text plus the parsed element tree
 * (retained after `parseSoapResponse`), and the typed items made from it. A second mode finds the
 * smallest `--max-old-space-size` that survives parsing one response of a given size, in a child
 * process, which is what "a default Node heap survives the largest accepted response" means.
 *
 *   node --expose-gc --import tsx packages/ews-client/test/measure-parse-memory.ts [MiB…]
 *   node --import tsx packages/ews-client/test/measure-parse-memory.ts --survive 64
 *
 * Not a test (it takes tens of seconds and gigabytes); the suite never runs it.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { basicAuth, EwsClient, type EwsLayer } from "../src/index.js";
import { parseItemElement } from "../src/items/item-xml.js";
import { batchResults } from "../src/operations/results.js";
import { parseSoapResponse } from "../src/soap/response.js";
import { seedLarge, startEwsSimulator } from "@ewsdav/ews-simulator";

const gc = (globalThis as { gc?: () => void }).gc;
const heap = () => {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
};
const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;

/** Bodies captured from the simulator: one per operation. */
async function sampleBodies(): Promise<Record<"getItemContacts" | "getItemEvents" | "syncFolderItems", string>> {
  const sim = await startEwsSimulator({ seed: (box) => seedLarge(box, { contacts: 600, events: 100, tasks: 0 }), record: false });
  const captured: string[] = [];
  const capture: EwsLayer = (next) => async (request) => {
    const response = await next(request);
    captured.push(response.body);
    return response;
  };
  const ews = new EwsClient({ url: sim.url, auth: basicAuth({ username: "alice@example.com", password: "secret" }), layers: [capture] });
  try {
    const sync = async (folder: "contacts" | "calendar") => {
      const ids = [];
      for await (const page of ews.syncFolderItemsPages({ folder: { distinguishedId: folder } })) for (const c of page.changes) if (c.type === "Create") ids.push(c.itemId);
      return ids;
    };
    const contactIds = await sync("contacts");
    const syncBody = captured.find((b) => b.includes("SyncFolderItemsResponse") && (b.match(/<t:Create>/g) ?? []).length >= 500)!;
    const eventIds = await sync("calendar");
    captured.length = 0;
    await ews.getItem(contactIds.slice(0, 50), { batchSize: 50 });
    const getItemContacts = captured[0]!;
    captured.length = 0;
    await ews.getItem(eventIds.slice(0, 50), { batchSize: 50 });
    const getItemEvents = captured[0]!;
    return { getItemContacts, getItemEvents, syncFolderItems: syncBody };
  } finally {
    await ews.close();
    await sim.stop();
  }
}

/** Repeats the response messages (or the sync changes) of `body` until the document is `bytes` long. */
function grow(body: string, bytes: number): string {
  const sync = body.includes("<m:Changes>");
  const open = sync ? "<m:Changes>" : "<m:ResponseMessages>";
  const close = sync ? "</m:Changes>" : "</m:ResponseMessages>";
  const start = body.indexOf(open) + open.length;
  const end = body.indexOf(close);
  const inner = body.slice(start, end);
  const copies = Math.max(1, Math.ceil((bytes - (body.length - inner.length)) / inner.length));
  return body.slice(0, start) + inner.repeat(copies) + body.slice(end);
}

function measure(name: string, sample: string, bytes: number): void {
  const base = heap();
  // Made from a Buffer, as the transport does, so the string is a flat one like a real response.
  let text: string | undefined = Buffer.from(grow(sample, bytes), "utf8").toString("utf8");
  const size = Buffer.byteLength(text, "utf8");
  const withText = heap() - base;
  const started = performance.now();
  let parsed: ReturnType<typeof parseSoapResponse> | undefined = parseSoapResponse(text, 200);
  const parseMs = performance.now() - started;
  const withTree = heap() - base;
  const operation = name.startsWith("SyncFolderItems") ? undefined : "GetItem";
  let typed: unknown[] | undefined;
  if (operation) {
    const count = parsed.body.children[0]!.children[0]!.children.length;
    typed = batchResults(parsed.body, operation, count, 0, (m) => parseItemElement(m.element.children.find((c) => c.name === "Items")!.children[0]!));
  }
  const withTyped = heap() - base;
  text = undefined;
  parsed = undefined;
  const typedOnly = heap() - base;
  const ratio = (n: number) => `${(n / size).toFixed(1)}×`;
  console.log(
    `${name.padEnd(26)} body ${mib(size).padStart(10)}  text ${ratio(withText).padStart(6)}  +tree ${ratio(withTree).padStart(6)}` +
      (typed ? `  +typed ${ratio(withTyped).padStart(6)}  typed alone ${ratio(typedOnly).padStart(6)}` : "") +
      `  parse ${(parseMs / 1000).toFixed(2)} s (${((size / 1024 / 1024) / (parseMs / 1000)).toFixed(0)} MiB/s)`,
  );
  typed = undefined;
}

/** Smallest old-space size (MiB, to 32 MiB) at which a child parses one `megabytes` GetItem response. */
function survive(megabytes: number): void {
  const script = fileURLToPath(import.meta.url);
  const runs = (heapMiB: number) =>
    spawnSync(process.execPath, [`--max-old-space-size=${heapMiB}`, "--import", "tsx", script, "--child", String(megabytes)], { stdio: ["ignore", "ignore", "ignore"] }).status === 0;
  let low = 64;
  let high = 4096;
  if (!runs(high)) return console.log(`${megabytes} MiB: does not survive even ${high} MiB of heap`);
  while (high - low > 32) {
    const mid = Math.round((low + high) / 2);
    if (runs(mid)) high = mid;
    else low = mid;
  }
  console.log(`GetItem (contacts) of ${megabytes} MiB: parsed within --max-old-space-size=${high} (fails at ${low}): ${(high / megabytes).toFixed(1)}× the body`);
}

const args = process.argv.slice(2);
const bodies = await sampleBodies();
if (args[0] === "--child") {
  const text = Buffer.from(grow(bodies.getItemContacts, Number(args[1]) * 1024 * 1024), "utf8").toString("utf8");
  const parsed = parseSoapResponse(text, 200);
  const count = parsed.body.children[0]!.children[0]!.children.length;
  const typed = batchResults(parsed.body, "GetItem", count, 0, (m) => parseItemElement(m.element.children.find((c) => c.name === "Items")!.children[0]!));
  process.exit(typed.length > 0 ? 0 : 1);
} else if (args[0] === "--survive") {
  for (const m of args.slice(1).map(Number)) survive(m);
} else {
  if (!gc) console.warn("run with --expose-gc for steady figures");
  const sizes = args.length > 0 ? args.map(Number) : [8, 32];
  for (const m of sizes) {
    measure("GetItem, 50 contacts ×", bodies.getItemContacts, m * 1024 * 1024);
    measure("GetItem, 50 events ×", bodies.getItemEvents, m * 1024 * 1024);
    measure("SyncFolderItems IdOnly ×", bodies.syncFolderItems, m * 1024 * 1024);
  }
}
