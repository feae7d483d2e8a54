/**
 * Child process of test/integration/response-memory.test.ts: reads one large response with the
 * real EwsClient or DavClient from a loopback server the test runs, in a heap capped with
 * `--max-old-space-size`, and prints one JSON line with what it got and what it cost.
 *
 *   node --max-old-space-size=256 --trace-gc --expose-gc --import tsx test/harness/response-memory-child.ts '<json task>'
 *
 * Tasks (`kind`):
 * - `ews-getitem`: GetItem of `count` ids in one batch (`batchSize: count`) from `url`;
 * - `dav-sync`: sync-collection (initial listing) of the address book `url`;
 * - `dav-multiget`: addressbook-multiget of `count` members of `url` in one batch.
 * With `batchSize`, the ids or hrefs go in batches of that size, read concurrently as the client does.
 * The output line is `RESULT {"ok": …, "items": n, "errors": [one line each], "heapUsedMiB", "maxRssMiB", "heapLimitMiB"}`.
 * The heap at its peak is read by the parent from the `--trace-gc` lines (parsing is synchronous,
 * so nothing in this process can sample it while it runs).
 * @module
 */
import { getHeapStatistics } from "node:v8";
import { basicAuth, EwsClient, isEwsError } from "../../packages/ews-client/src/index.js";
import { DavClient, DavError } from "../../packages/dav-client/src/index.js";

/** What the parent asks the child to read. */
export interface ResponseMemoryTask {
  /** Which client and request. */
  readonly kind: "ews-getitem" | "dav-sync" | "dav-multiget";
  /** EWS endpoint, or the DAV collection URL. */
  readonly url: string;
  /** Ids (EWS) or hrefs (DAV multiget) asked for. */
  readonly count: number;
  /**
   * Ids or hrefs per request (default `count`: one request). With fewer, the batches run with the
   * client's default concurrency (EWS 4, DAV `readConcurrency` 2).
   */
  readonly batchSize?: number;
}

/** The line the child prints (after `RESULT `). */
export interface ResponseMemoryResult {
  /** Whether the call returned (false: it threw; the error is in `errors`). */
  readonly ok: boolean;
  /** Items read (EWS: successful slots; DAV: members or items). */
  readonly items: number;
  /** Errors, one line each: thrown errors and per-slot errors, as `Class[code]: message`. */
  readonly errors: string[];
  /** Heap used after the call and a full collection, results still held (MiB). */
  readonly heapUsedMiB: number;
  /** Peak resident set size of the child (MiB). */
  readonly maxRssMiB: number;
  /** V8's heap size limit in the child (MiB): what `--max-old-space-size` gave. */
  readonly heapLimitMiB: number;
}

const mib = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
const describe = (error: unknown): string => {
  const e = error as Error & { code?: string };
  return `${e?.constructor?.name ?? "Error"}${e?.code ? `[${e.code}]` : ""}: ${String(e?.message ?? e).slice(0, 300)}`;
};

async function run(task: ResponseMemoryTask): Promise<{ ok: boolean; items: number; errors: string[]; held: unknown }> {
  if (task.kind === "ews-getitem") {
    const ews = new EwsClient({ url: task.url, auth: basicAuth({ username: "alice@example.com", password: "secret" }) });
    try {
      const ids = Array.from({ length: task.count }, (_, i) => ({ id: `AAMkItem${i}` }));
      const results = await ews.getItem(ids, { batchSize: task.batchSize ?? task.count });
      const errors: string[] = [];
      let items = 0;
      for (const r of results) {
        if (isEwsError(r)) errors.push(describe(r));
        else items++;
      }
      return { ok: true, items, errors, held: results };
    } finally {
      await ews.close();
    }
  }
  const dav = new DavClient({ baseUrl: task.url, auth: { type: "basic", username: "alice", password: "secret" }, multigetBatchSize: Math.max(1, task.batchSize ?? task.count), retry: { retries: 0 } });
  const collection = { url: task.url, kind: "addressbook" as const, supportsSyncCollection: true };
  if (task.kind === "dav-sync") {
    const feed = await dav.changes(collection, null, { detection: "sync-collection" });
    return { ok: true, items: feed.changed.length, errors: [], held: feed };
  }
  const hrefs = Array.from({ length: task.count }, (_, i) => `${new URL(task.url).pathname}${memberName(i)}`);
  const items = await dav.multigetAll(collection, hrefs);
  return { ok: true, items: items.filter((item) => "data" in item).length, errors: [], held: items };
}

/** The file name of member `i` of the test's address book (shared with the parent's server). */
export function memberName(i: number): string {
  return `${i.toString(16).padStart(8, "0")}-4f1c-9a7e-contact.vcf`;
}

if (process.argv[2]) {
  const task = JSON.parse(process.argv[2]) as ResponseMemoryTask;
  let outcome: { ok: boolean; items: number; errors: string[]; held: unknown };
  try {
    outcome = await run(task);
  } catch (error) {
    outcome = { ok: false, items: 0, errors: [error instanceof DavError ? `DavError[${error.code}]: ${error.message}` : describe(error)], held: undefined };
  }
  // Collected first (the child runs with --expose-gc), so the figure is what the results retain.
  (globalThis as { gc?: () => void }).gc?.();
  const result: ResponseMemoryResult = {
    ok: outcome.ok,
    items: outcome.items,
    errors: outcome.errors,
    heapUsedMiB: mib(process.memoryUsage().heapUsed),
    maxRssMiB: mib(process.resourceUsage().maxRSS * 1024),
    heapLimitMiB: mib(getHeapStatistics().heap_size_limit),
  };
  console.log(`RESULT ${JSON.stringify(result)}`);
  // `held` kept alive up to here, so the heap figures include what a caller holds.
  if (outcome.held === null) console.log("");
}
