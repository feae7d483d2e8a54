/**
 * The checks of a Microsoft Graph account after the network ones: sign-in (a token for Graph's
 * scopes and one cheap authenticated call, the mailbox's contact folders), the collections the
 * pairs name (contact folders, calendars, To Do lists, as the Graph side lists them), a read of each
 * of them (one `$batch` of `$top=1` listings: what the permissions allow shows here, per kind), and
 * how `ewsdav watch` follows the account (polling its delta feeds).
 */
import { GraphError, GRAPH_MAX_BATCH, type GraphBatchRequest, type GraphClient } from "@ewsdav/graph-client";
import { GraphSide } from "@ewsdav/core/graph";
import type { CollectionInfo } from "@ewsdav/core";
import { graphAccountFor, graphBaseUrl, type GraphAccountConfig, type OpenedGraphAccount } from "../accounts-graph.js";
import type { SyncConfig } from "../config.js";
import { categoryOf, failed, ok, type CheckOutcome, type Step } from "./check.js";

/** What the Graph checks need from the config. */
export interface GraphCheckInput {
  name: string;
  account: GraphAccountConfig;
  config: SyncConfig;
  /** Receives the accounts module's warnings (e.g. tokens over plain http). */
  warn: (message: string) => void;
}

/** The permission a kind of collection needs (delegated; app-only names the same, granted by an admin). */
const PERMISSION = { contacts: "Contacts.ReadWrite", events: "Calendars.ReadWrite", tasks: "Tasks.ReadWrite" } as const;

/** A failed outcome for an error of the sign-in call. */
function signInFailure(name: string, account: GraphAccountConfig, error: unknown): CheckOutcome {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof GraphError && (error.status === 401 || error.status === 403)) {
    const advice =
      account.auth.type === "bearer"
        ? `the token in the environment variable named by accounts.${name}.auth.tokenEnv was refused: get a fresh token for https://graph.microsoft.com`
        : error.status === 401
          ? account.auth.flow === "delegated"
            ? `sign in again with \`ewsdav login ${name}\``
            : `check the app registration's client secret or certificate in accounts.${name}.auth`
          : account.auth.flow === "app-only"
            ? `grant the app the application permissions ${Object.values(PERMISSION).join(", ")} (admin consent), and check that the application access policy (or RBAC for Applications) includes ${account.user ?? "the mailbox"}`
            : `grant the app the delegated permissions ${Object.values(PERMISSION).join(", ")} and sign in again with \`ewsdav login ${name}\``;
    return failed("auth", `Graph refused the request (HTTP ${error.status} ${error.code})`, advice);
  }
  const category = categoryOf(error);
  if (category === "config") return failed("config", message, `fix accounts.${name} as the message says`);
  if (category === "connection") return failed("connection", message, `check that ${graphBaseUrl(account)} is reachable from this machine`);
  return failed(category, message, `check accounts.${name} (user, cloud, baseUrl); run with --verbose for more`);
}

/** A listing of one item of a collection, as a batch request (`$top=1`, ids only). */
function readRequest(client: GraphClient, collection: CollectionInfo, index: number): GraphBatchRequest {
  const path =
    collection.kind === "contacts"
      ? collection.id === "contacts"
        ? client.path("contacts")
        : client.path("contactFolders", collection.id, "contacts")
      : collection.kind === "events"
        ? client.path("calendars", collection.id, "events")
        : client.path("todo", "lists", collection.id, "tasks");
  return { id: String(index + 1), method: "GET", url: `${path}?$top=1&$select=id` };
}

/** The steps of a Graph account (after DNS and TLS). */
export function graphSteps(input: GraphCheckInput): { steps: Step[]; close(): Promise<void> } {
  const { name, account, config } = input;
  let opened: OpenedGraphAccount | undefined;
  /** The collections the pairs name (found), else every listed one. */
  let checked: CollectionInfo[] = [];
  const pollSeconds = config.watch.pollIntervalSeconds;
  const steps: Step[] = [
    {
      id: "sign-in",
      title: "Sign-in",
      after: ["tls"],
      run: async (signal) => {
        try {
          opened = await graphAccountFor(name, account, { warn: input.warn });
          const folders = await opened.client.listContactFolders(undefined, { signal });
          const who = account.user ?? "the signed-in user (/me)";
          return ok(`signed in (${opened.kind}) to ${who}; ${folders.length} contact folder${folders.length === 1 ? "" : "s"} below Contacts`, { kind: opened.kind, baseUrl: opened.baseUrl });
        } catch (error) {
          return signInFailure(name, account, error);
        }
      },
    },
    {
      id: "collections",
      title: "Collections",
      after: ["sign-in"],
      run: async (signal) => {
        const listed = await new GraphSide({ client: opened!.client, name }).listCollections(signal);
        const pairs = config.pairs.map((pair, index) => ({ pair, index })).filter(({ pair }) => pair.remote.account === name || pair.local.account === name);
        if (pairs.length === 0) {
          checked = listed;
          const count = (kind: string) => listed.filter((c) => c.kind === kind).length;
          return ok(`no pair uses this account; it has ${count("contacts")} contact folders, ${count("events")} calendars, ${count("tasks")} To Do lists`);
        }
        const missing: string[] = [];
        checked = [];
        for (const { pair, index } of pairs) {
          const end = pair.remote.account === name ? { where: `pairs.${index}.remote.folder`, wanted: pair.remote.folder } : { where: `pairs.${index}.local.collection`, wanted: pair.local.collection };
          const found = listed.find((c) => c.kind === pair.kind && (c.id === end.wanted || c.displayName === end.wanted));
          if (found) checked.push(found);
          else if (!(pair.local.account === name && pair.local.create)) {
            const names = listed.filter((c) => c.kind === pair.kind).map((c) => `"${c.displayName}"`);
            missing.push(`${end.where}: no ${pair.kind} collection "${end.wanted}" (there are ${names.slice(0, 8).join(", ") || "none"}${names.length > 8 ? ", …" : ""})`);
          }
        }
        if (missing.length > 0) return failed("config", missing.join("; "), "name an existing collection (its display name or id) in the pair, as listed");
        return ok(`${checked.length} paired collection${checked.length === 1 ? "" : "s"} found`, { collections: checked.length });
      },
    },
    {
      id: "collection-reads",
      title: "Reads",
      after: ["collections"],
      run: async (signal) => {
        const refused: string[] = [];
        for (let start = 0; start < checked.length; start += GRAPH_MAX_BATCH) {
          const chunk = checked.slice(start, start + GRAPH_MAX_BATCH);
          const answers = await opened!.client.batch(chunk.map((c, i) => readRequest(opened!.client, c, i)), { signal });
          answers.forEach((answer, i) => {
            const c = chunk[i]!;
            if (answer.status >= 400) refused.push(`${c.kind} "${c.displayName}": HTTP ${answer.status} ${answer.errorCode ?? ""}`.trim());
          });
        }
        if (refused.length > 0) {
          const kinds = [...new Set(checked.filter((c) => refused.some((r) => r.startsWith(`${c.kind} "${c.displayName}"`))).map((c) => PERMISSION[c.kind]))];
          return failed("auth", `Graph refused reading ${refused.join("; ")}`, `grant the app ${kinds.join(", ")} (${account.auth.type === "oauth" && account.auth.flow === "app-only" ? "application permissions with admin consent, and the mailbox in its access policy" : "delegated, then sign in again"})`);
        }
        return ok(`read ${checked.length} collection${checked.length === 1 ? "" : "s"} (one item of each)`);
      },
    },
    {
      id: "notifications",
      title: "Change detection",
      after: ["sign-in"],
      run: async () => ok(`ewsdav watch polls this account's delta feeds every ${pollSeconds} s (Graph change notifications need a public HTTPS endpoint for their webhook)`),
    },
  ];
  return {
    steps,
    close: async () => {
      await opened?.close().catch(() => undefined);
    },
  };
}
