/**
 * Per-item throttling in batches: Exchange may answer single response messages of a batch with
 * `ErrorServerBusy` (and `BackOffMilliseconds`) while the others succeed. Those items were not
 * processed, so they are sent again, alone, after the back-off, as the retry policy allows.
 * @module
 */
import { exponentialDelay } from "@ewsdav/http";
import type { EwsClientCore } from "../client-core.js";
import { EwsResponseError } from "../errors.js";
import { sleep } from "../transport/retry-layer.js";

/** Gives a batch slot's error the index of its input in the caller's whole list. */
export function reindex<E extends Error>(error: E, index: number): E {
  if (error instanceof EwsResponseError) Object.defineProperty(error, "index", { value: index, enumerable: true });
  return error;
}

const isBusy = (value: unknown): value is EwsResponseError => value instanceof EwsResponseError && value.responseCode === "ErrorServerBusy";

/**
 * Runs `run` over every position of a batch of `count` inputs, then again over the positions that
 * came back `ErrorServerBusy`, until none is busy or the policy's attempts are spent. Errors are
 * re-indexed with `indexOf(position)`.
 */
export async function retryBusySlots<T>(
  client: EwsClientCore,
  operation: string,
  count: number,
  run: (positions: number[]) => Promise<Array<T | EwsResponseError>>,
  indexOf: (position: number) => number,
  signal?: AbortSignal,
): Promise<Array<T | EwsResponseError>> {
  const all = Array.from({ length: count }, (_, i) => i);
  const results = await run(all);
  results.forEach((r, i) => r instanceof Error && reindex(r, indexOf(i)));
  const policy = client.retryPolicy;
  for (let attempt = 1; policy && attempt < policy.maxAttempts; attempt++) {
    const busy = all.filter((i) => isBusy(results[i]));
    if (busy.length === 0) break;
    const serverDelays = busy.map((i) => (results[i] as EwsResponseError).backOffMs).filter((ms): ms is number => ms !== undefined);
    const serverDelayMs = serverDelays.length > 0 ? Math.max(...serverDelays) : undefined;
    const computed = exponentialDelay(attempt, policy);
    const delayMs = serverDelayMs !== undefined ? Math.min(policy.maxServerDelayMs, serverDelayMs) : computed;
    client.emit("retry", { operation, attempt, delayMs, reason: "server-busy", ...(serverDelayMs !== undefined ? { serverDelayMs } : {}) });
    await sleep(delayMs, signal);
    const again = await run(busy);
    busy.forEach((position, k) => {
      const r = again[k]!;
      results[position] = r instanceof Error ? reindex(r, indexOf(position)) : r;
    });
  }
  return results;
}
