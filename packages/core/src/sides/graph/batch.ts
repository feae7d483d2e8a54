/**
 * How the Graph side sends many requests: `$batch`es of at most 20 (Graph's limit), one at a time,
 * each answer kept per request. An answer Graph throttled inside a batch (429, 503, 504: the batch
 * itself succeeded) is sent again, alone with the other throttled ones, after the longest
 * `Retry-After` they gave (capped), a few times; after that it stays a failed answer, which the
 * caller turns into a `transient` error of that item only.
 *
 * @module
 */
import { GRAPH_MAX_BATCH, type GraphBatchRequest, type GraphBatchResponse } from "@ewsdav/graph-client";
import type { GraphContext } from "./context.js";
import { answerThrottled } from "./errors.js";

/** One request of {@link sendAll}: a batch request without its id (the helper numbers them). */
export type SideRequest = Omit<GraphBatchRequest, "id" | "dependsOn">;

/** How many times a throttled answer is sent again. */
const THROTTLE_RETRIES = 3;
/** Longest pause before sending throttled answers again, in ms. */
const MAX_PAUSE_MS = 30_000;
/**
 * Batches in flight at once. Graph runs up to 4 members of a batch at once and they count against
 * the mailbox's limit of 4 concurrent requests, while the transport's limiter counts a batch as
 * one request: two batches would be 8 members at once, answered 429 MailboxConcurrency past 4.
 */
const BATCHES_AT_ONCE = 1;

/** The pause a throttled answer asks for (its Retry-After in seconds), in ms. */
function pauseOf(answer: GraphBatchResponse): number {
  const raw = Object.entries(answer.headers).find(([k]) => k.toLowerCase() === "retry-after")?.[1];
  const seconds = raw === undefined ? Number.NaN : Number(raw);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds * 1000, MAX_PAUSE_MS) : 1000;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Sends one batch of at most 20 requests, sending throttled answers again; one answer per request, in order. */
async function sendBatch(ctx: GraphContext, requests: readonly SideRequest[], signal?: AbortSignal): Promise<GraphBatchResponse[]> {
  const answers: GraphBatchResponse[] = new Array(requests.length);
  let todo = requests.map((_, i) => i);
  for (let attempt = 0; ; attempt++) {
    const sent = await ctx.client.batch(todo.map((i) => ({ ...requests[i]!, id: String(i + 1) })), signal ? { signal } : {});
    sent.forEach((answer, n) => (answers[todo[n]!] = answer));
    // A create answered 504 may have been made: never sent again (a second one would be a duplicate).
    const throttled = todo.filter((i) => answerThrottled(answers[i]!) && !(requests[i]!.method === "POST" && answers[i]!.status === 504));
    if (throttled.length === 0 || attempt >= THROTTLE_RETRIES) return answers;
    await sleep(Math.max(...throttled.map((i) => pauseOf(answers[i]!))), signal);
    todo = throttled;
  }
}

/**
 * Sends `requests` in `$batch`es of at most 20, {@link BATCHES_AT_ONCE} at once; one answer per
 * request, in order. A batch that fails as a whole throws (the whole call then fails).
 */
export async function sendAll(ctx: GraphContext, requests: readonly SideRequest[], signal?: AbortSignal): Promise<GraphBatchResponse[]> {
  const chunks: Array<{ start: number; requests: SideRequest[] }> = [];
  for (let start = 0; start < requests.length; start += GRAPH_MAX_BATCH) chunks.push({ start, requests: requests.slice(start, start + GRAPH_MAX_BATCH) });
  const out: GraphBatchResponse[] = new Array(requests.length);
  let next = 0;
  const worker = async () => {
    for (let c = next++; c < chunks.length; c = next++) {
      const chunk = chunks[c]!;
      const answers = await sendBatch(ctx, chunk.requests, signal);
      answers.forEach((a, i) => (out[chunk.start + i] = a));
    }
  };
  await Promise.all(Array.from({ length: Math.min(BATCHES_AT_ONCE, chunks.length) }, worker));
  return out;
}

/** Whether an answer succeeded (2xx). */
export function succeeded(answer: GraphBatchResponse): boolean {
  return answer.status >= 200 && answer.status < 300;
}
