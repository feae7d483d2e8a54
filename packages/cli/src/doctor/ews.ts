/**
 * The checks of an EWS account after the network ones: sign-in (one cheap authenticated call,
 * GetFolder of the mailbox root), the Exchange version negotiated and what it implies, the paired
 * folders, and push (a streaming subscription to those folders made and removed again; where it is
 * refused, a pull subscription, which `ewsdav watch` falls back to; else the folders are polled).
 */
import {
  buildStreamingSubscribe,
  buildUnsubscribe,
  EwsResponseError,
  HttpError,
  isEwsError,
  PullSubscription,
  responseMessages,
  SoapFaultError,
  type ExchangeVersion,
  type NotificationConnection,
  type ServerVersionInfo,
} from "@ewsdav/ews-client";
import { EwsSide } from "@ewsdav/core/ews";
import { ewsAccountFor, type EwsAccountConfig, type OpenedEwsAccount } from "../accounts.js";
import type { SyncConfig } from "../config.js";
import { categoryOf, failed, ok, warning, type CheckOutcome, type Step } from "./check.js";

/** The account's auth settings as words for advice (the config's auth types, today's and those being added). */
function signInAdvice(name: string, account: EwsAccountConfig, status: number): string {
  const type = String(account.auth.type);
  if (status === 403) return `the server let ${name} in but refused EWS: ask the admin to allow EWS for the mailbox (Set-CASMailbox -EwsEnabled $true)`;
  if (type === "bearer") return `the token in the environment variable named by accounts.${name}.auth.tokenEnv was refused: get a fresh token`;
  if (type === "oauth") return `sign in again with \`ewsdav login ${name}\``;
  return `check the username and password in accounts.${name}.auth (Exchange Online refuses Basic sign-in: use OAuth there)`;
}

/** A failed outcome for an error of a sign-in call. */
function signInFailure(name: string, account: EwsAccountConfig, error: unknown): CheckOutcome {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof HttpError && (error.status === 401 || error.status === 403)) {
    const who = "username" in account.auth ? ` of ${String(account.auth.username)}` : "";
    return failed("auth", `the server refused the credentials${who} (HTTP ${error.status})`, signInAdvice(name, account, error.status));
  }
  const category = categoryOf(error);
  if (category === "config") return failed("config", message, `fix accounts.${name} as the message says`);
  if (category === "connection") return failed("connection", message, "check that the account URL is the server's EWS endpoint (…/EWS/Exchange.asmx) and that it is reachable");
  if (error instanceof HttpError) return failed("other", message, "check that the account URL is the server's EWS endpoint (…/EWS/Exchange.asmx)");
  return failed(category, message, "check the account URL and the mailbox in the config; run with --verbose for more");
}

/** The product a `ServerVersionInfo` names. */
export function exchangeProduct(info: ServerVersionInfo): string {
  const { majorVersion: major, minorVersion: minor, majorBuildNumber: build } = info;
  const number = `${major}.${minor}.${build}`;
  if (major === 15 && minor >= 20) return `Exchange Online (${number})`;
  if (major > 15 || (major === 15 && minor > 2)) return `Exchange ${number}`;
  if (major === 15) return `${minor === 2 ? "Exchange 2019 or Subscription Edition" : minor === 1 ? "Exchange 2016" : build >= 847 ? "Exchange 2013 SP1 or later" : "Exchange 2013 before SP1"} (${number})`;
  if (major === 14) return `${["Exchange 2010", "Exchange 2010 SP1", "Exchange 2010 SP2", "Exchange 2010 SP3"][Math.min(minor, 3)]} (${number})`;
  return `Exchange ${major === 8 ? "2007" : number} (${number})`;
}

const OLDER_THAN_SUPPORTED: ReadonlySet<ExchangeVersion> = new Set(["Exchange2007_SP1", "Exchange2010", "Exchange2010_SP1"]);

/**
 * The EWS version check: what the server is, the `RequestServerVersion` negotiated from it, and
 * what that implies for sync.
 */
export function judgeExchangeVersion(info: ServerVersionInfo | undefined, requestVersion: ExchangeVersion): CheckOutcome {
  if (!info) {
    return warning(
      `the server sent no ServerVersionInfo; requests use ${requestVersion}`,
      "nothing to do while sync works; a server that is not Exchange itself (a gateway, Kerio Connect) may lack some EWS features",
      { requestVersion },
    );
  }
  const product = exchangeProduct(info);
  const details = { serverVersion: info, product, requestVersion };
  const head = `${product}; requests use ${requestVersion}`;
  if (info.majorVersion === 15 && info.minorVersion >= 20) {
    return warning(
      `${head}: EWS in Exchange Online is blocked by default since 1 October 2026 and switched off on 1 April 2027`,
      "plan the move of this mailbox to Microsoft Graph before 1 April 2027 (and ask the tenant admin to keep EWS allowed until then)",
      details,
    );
  }
  if (OLDER_THAN_SUPPORTED.has(requestVersion)) {
    return warning(
      `${head}: older than Exchange 2010 SP2, the oldest version ewsdav supports${requestVersion === "Exchange2010" || requestVersion === "Exchange2007_SP1" ? " (and without streaming notifications)" : ""}`,
      "upgrade the server to Exchange 2010 SP2 or later",
      details,
    );
  }
  if (requestVersion === "Exchange2016") return ok(`${head}: every property ewsdav maps is available`, details);
  return ok(`${head}: a contact's gender (an Exchange 2016 property) is not stored there; it is reported as dropped and kept on the DAV side`, details);
}

/** Codes with which Exchange refuses a streaming subscription (as opposed to failing it). */
const PUSH_REFUSED = new Set(["ErrorInvalidSubscriptionRequest", "ErrorSchemaValidation", "ErrorInvalidRequest", "ErrorInvalidServerVersion", "ErrorAccessDenied"]);

/** Whether an error is the server refusing a subscription (the feature), not a failure to reach it. */
function refused(error: unknown): boolean {
  if (error instanceof EwsResponseError) return PUSH_REFUSED.has(error.responseCode);
  // A SOAP fault on Subscribe: the server's schema has no such request (before Exchange 2010 SP1) or it is turned off.
  if (error instanceof SoapFaultError) return true;
  if (error instanceof HttpError) return [400, 403, 404, 405, 501].includes(error.status);
  return false;
}

/** Makes a streaming subscription to `folders` and removes it again. */
async function subscribeStreaming(connection: NotificationConnection, folders: readonly string[], signal: AbortSignal): Promise<void> {
  const response = await connection.call("Subscribe", buildStreamingSubscribe({ folders: folders.map((id) => ({ id })) }), { signal, preferAffinity: true });
  const [message] = responseMessages(response.body, "Subscribe");
  if (!message || message.responseCode !== "NoError" || message.responseClass === "Error") {
    throw new EwsResponseError({ operation: "Subscribe", responseCode: message?.responseCode ?? "ErrorInternalServerError", messageText: message?.messageText ?? "", responseClass: message?.responseClass ?? "Error" });
  }
  const id = message.element.children.find((c) => c.name === "SubscriptionId")?.text;
  if (id) await connection.call("Unsubscribe", buildUnsubscribe(id), { signal }).catch(() => undefined);
}

/** What the EWS checks need from the config. */
export interface EwsCheckInput {
  name: string;
  account: EwsAccountConfig;
  config: SyncConfig;
  /** Receives the accounts module's warnings (e.g. credentials over plain http). */
  warn: (message: string) => void;
}

/** The account's configured EWS URL; none for an account found by autodiscover (being added to the config). */
export function configuredUrl(account: { url?: string | undefined }): string | undefined {
  return account.url;
}

/** The sign-in, version, folder and push steps of an EWS account (after DNS and TLS), and where its server is. */
export function ewsSteps(input: EwsCheckInput): { steps: Step[]; close(): Promise<void>; endpointUrl(): Promise<string> } {
  const { name, account, config } = input;
  const where = `accounts.${name}`;
  let opened: OpenedEwsAccount | undefined;
  /** Opens the account once (for an autodiscover account this finds its URL). */
  const open = async () => (opened ??= await ewsAccountFor(name, account, { warn: input.warn, notifications: true }));
  /** The paired folders' ids, as found by the folders check. */
  let folderIds: string[] = [];
  const pollSeconds = config.watch.pollIntervalSeconds;
  const steps: Step[] = [
    {
      id: "sign-in",
      title: "Sign-in",
      after: ["tls"],
      run: async (signal) => {
        try {
          const [root] = await (await open()).client.getFolder([{ distinguishedId: "msgfolderroot" }], { signal });
          if (isEwsError(root)) {
            const code = root instanceof EwsResponseError ? root.responseCode : root.code;
            return failed("other", `signed in, but the mailbox's root folder was refused: ${code}`, `check ${where}.mailbox (the address of the mailbox, and that this user may open it)`);
          }
        } catch (error) {
          return signInFailure(name, account, error);
        }
        const user = "username" in account.auth ? String(account.auth.username) : `a ${String(account.auth.type)} token`;
        return ok(`signed in as ${user}${account.mailbox ? ` to ${account.mailbox}` : ""} (GetFolder of the mailbox root)`);
      },
    },
    {
      id: "ews-version",
      title: "EWS version",
      after: ["sign-in"],
      run: async () => judgeExchangeVersion(opened!.client.serverVersion, opened!.client.version),
    },
    {
      id: "folders",
      title: "Folders",
      after: ["sign-in"],
      run: async (signal) => {
        const pairs = config.pairs.map((pair, index) => ({ pair, index })).filter(({ pair }) => pair.remote.account === name);
        if (pairs.length === 0) return ok("no pair uses this account");
        const listed = await new EwsSide({ client: opened!.client, name, ...(account.publicFolders ? { publicFolders: true } : {}) }).listCollections(signal);
        const missing: string[] = [];
        folderIds = [];
        for (const { pair, index } of pairs) {
          const found = listed.find((c) => c.kind === pair.kind && (c.id === pair.remote.folder || c.displayName === pair.remote.folder));
          if (found) folderIds.push(found.id);
          else {
            const names = listed.filter((c) => c.kind === pair.kind).map((c) => `"${c.displayName}"`);
            missing.push(`pairs.${index}.remote.folder: no ${pair.kind} folder "${pair.remote.folder}" (there are ${names.slice(0, 8).join(", ") || "none"}${names.length > 8 ? ", …" : ""})`);
          }
        }
        if (missing.length > 0) return failed("config", missing.join("; "), "name an existing folder (its display name or id) in the pair, as listed");
        return ok(`${folderIds.length} paired folder${folderIds.length === 1 ? "" : "s"} found`, { folders: folderIds.length });
      },
    },
    {
      id: "notifications",
      title: "Push notifications",
      after: ["sign-in"],
      run: async (signal) => {
        const polled = `folders are polled every ${pollSeconds} s by ewsdav watch`;
        if (!account.notifications) return ok(`push is off in the config ("notifications": false): ${polled}`);
        const connection = opened!.notifications;
        if (!account.mailbox || !connection) return warning(`no "mailbox" in the config, which push needs: ${polled}`, `add "mailbox": "<the mailbox's address>" to ${where}`);
        const paired = folderIds.length > 0;
        const folders = paired ? folderIds : await defaultFolderIds(opened!, signal);
        const target = paired ? `the ${folders.length} paired folder${folders.length === 1 ? "" : "s"}` : "the default contacts, calendar and tasks folders";
        try {
          await subscribeStreaming(connection, folders, signal);
          return ok(`a streaming subscription to ${target} was accepted (and removed): changes are pushed`);
        } catch (streamingError) {
          if (!refused(streamingError)) throw streamingError;
          const why = (streamingError as Error).message;
          try {
            const pull = await PullSubscription.subscribe(connection, { folders: folders.map((id) => ({ id })), timeoutMinutes: 1 }, signal);
            await pull.unsubscribe(signal).catch(() => undefined);
            return warning(`streaming notifications refused (${why}); ewsdav watch falls back to a pull subscription (asks every 5 s)`, "ask the server's admin to allow EWS streaming notifications for faster push");
          } catch (pullError) {
            if (!refused(pullError)) throw pullError;
            return warning(`push unavailable (streaming and pull subscriptions refused: ${why}): ${polled}`, "ask the server's admin to allow EWS notifications, or lower watch.pollIntervalSeconds for quicker changes");
          }
        }
      },
    },
  ];
  return {
    steps,
    close: async () => {
      await opened?.close().catch(() => undefined);
    },
    endpointUrl: async () => configuredUrl(account) ?? (await open()).url,
  };
}

/** The ids of the mailbox's default contacts, calendar and tasks folders (what push watches when no pair names a folder). */
async function defaultFolderIds(opened: OpenedEwsAccount, signal: AbortSignal): Promise<string[]> {
  const results = await opened.client.getFolder([{ distinguishedId: "contacts" }, { distinguishedId: "calendar" }, { distinguishedId: "tasks" }], { signal });
  return results.flatMap((r) => (isEwsError(r) ? [] : [r.folderId.id]));
}
