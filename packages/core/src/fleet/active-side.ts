/**
 * The push channel of an EWS account for the fleet's active mode: the EWS side with a
 * notification connection to the same mailbox (same URL, sign-in and mailbox as the side a cycle
 * opens: `openEws` in accounts.ts builds both), so the subscription is the side's own
 * ({@link SyncSide.watch}: streaming, pull where streaming is refused). The protocol client is
 * loaded only when a worker watches an account.
 * @module
 */
import type { SyncSide } from "../engine/side.js";
import { openEws, type FleetEwsAccount, type PushTuning } from "./accounts.js";
import type { TokenContext } from "./tokens.js";

export type { PushTuning } from "./accounts.js";

/** An EWS side whose `watch` is live, and how to close what it holds. */
export interface OpenedPush {
  side: SyncSide & { watch: NonNullable<SyncSide["watch"]> };
  close(): Promise<void>;
}

/** Whether an account can be watched: EWS with its mailbox named (notifications need it for affinity). */
export function hasPush(account: { type: string; mailbox?: string }): account is FleetEwsAccount & { mailbox: string } {
  return account.type === "ews" && typeof account.mailbox === "string" && account.mailbox.length > 0;
}

/** Opens the push of an EWS account (named by its id, as the engine's sides are), with its decrypted secret or the fleet's token providers (OAuth). */
export async function openPush(id: string, account: FleetEwsAccount & { mailbox: string }, secret: string | undefined, tokens: TokenContext, streaming?: PushTuning): Promise<OpenedPush> {
  const opened = await openEws(id, account, secret, tokens, { ...(streaming ? { streaming } : {}) });
  if (!opened.side.watch) {
    await opened.close();
    throw new Error(`account ${id}: the EWS side offers no push`);
  }
  return opened as OpenedPush;
}
