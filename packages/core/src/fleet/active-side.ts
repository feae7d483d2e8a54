/**
 * The push channel of an EWS account for the fleet's active mode: the EWS side with a
 * notification connection to the same mailbox (same URL, sign-in and mailbox as the side a cycle
 * opens), so the subscription is the side's own ({@link SyncSide.watch}: streaming, pull where
 * streaming is refused). The protocol client is loaded only when a worker watches an account.
 * @module
 */
import type { StreamingOptions } from "@ewsdav/ews-client";
import type { SyncSide } from "../engine/side.js";
import type { FleetEwsAccount } from "./accounts.js";

/** An EWS side whose `watch` is live, and how to close what it holds. */
export interface OpenedPush {
  side: SyncSide & { watch: NonNullable<SyncSide["watch"]> };
  close(): Promise<void>;
}

/** Tuning of the streaming subscription (as `EwsSideOptions.streaming`). */
export type PushTuning = Pick<StreamingOptions, "connectionTimeoutMinutes" | "stallTimeoutMs" | "reconnectDelayMs" | "maxReconnectDelayMs" | "maxConsecutiveFailures">;

/** Whether an account can be watched: EWS with its mailbox named (notifications need it for affinity). */
export function hasPush(account: { type: string; mailbox?: string }): account is FleetEwsAccount & { mailbox: string } {
  return account.type === "ews" && typeof account.mailbox === "string" && account.mailbox.length > 0;
}

/** Opens the push of an EWS account (named by its id, as the engine's sides are), with its decrypted secret. */
export async function openPush(id: string, account: FleetEwsAccount & { mailbox: string }, secret: string | undefined, streaming?: PushTuning): Promise<OpenedPush> {
  const [{ EwsSide }, ews] = await Promise.all([import("../sides/ews.js"), import("@ewsdav/ews-client")]);
  const auth = account.auth;
  const type: string = auth.type;
  if (type !== "basic" && type !== "ntlm" && type !== "bearer") throw new Error(`account ${id}: no push for sign-in ${type} (its pairs are polled by their schedule)`);
  const ntlm =
    auth.type === "ntlm" ? ews.ntlmAuth({ username: auth.domain !== undefined && !/[\\@]/.test(auth.username) ? `${auth.domain}\\${auth.username}` : auth.username, password: secret ?? "" }) : undefined;
  const provider = ntlm ? undefined : auth.type === "basic" ? ews.basicAuth({ username: auth.username, password: secret ?? "" }) : ews.bearerAuth(async () => secret ?? "");
  const insecure = account.allowInsecureHttp ? { allowInsecureHttp: true } : {};
  const client = new ews.EwsClient({ url: account.url, ...(ntlm ? { send: ntlm.send } : { auth: provider! }), mailbox: account.mailbox, ...insecure });
  const notifications = new ews.NotificationConnection({ url: account.url, mailbox: account.mailbox, ...(ntlm ? { ntlm } : { auth: provider! }), ...insecure });
  const side = new EwsSide({ client, name: id, notifications, ...(streaming ? { streaming } : {}), ...(account.timeZone ? { timeZone: account.timeZone } : {}), ...(account.publicFolders ? { publicFolders: true } : {}) });
  if (!side.watch) throw new Error(`account ${id}: the EWS side offers no push`);
  return {
    side: side as OpenedPush["side"],
    close: async () => {
      await notifications.close().catch(() => undefined);
      await client.close?.();
      await ntlm?.close().catch(() => undefined);
    },
  };
}
