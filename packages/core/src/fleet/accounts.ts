/**
 * The fleet's accounts and pairs, in the words of the `ewsdav` config file (packages/cli's
 * `config/schema.ts`), which the library cannot import (nothing imports the CLI): an account is
 * EWS, DAV or vdir with the same fields, a pair names its remote account and folder and its
 * local account and collection (`create` allowed) as the config's `pairs` entries do. What
 * differs: a secret is given once, as a value, and stored encrypted — never an environment
 * variable or a file on the worker. OAuth (delegated and app-only) accounts come with the token
 * caches in a later step.
 * @module
 */
import type { SyncSide } from "../engine/side.js";
import type { CollectionKind } from "../engine/side.js";

/** EWS sign-in: Basic, NTLM, or a bearer token (the secret is the password or the token). */
export type FleetEwsAuth = { type: "basic"; username: string } | { type: "ntlm"; username: string; domain?: string } | { type: "bearer" };

/** An Exchange mailbox through EWS (the config's `ews` account, with an explicit `url`). */
export interface FleetEwsAccount {
  type: "ews";
  /** The EWS URL, e.g. `https://mail.example.com/EWS/Exchange.asmx`. */
  url: string;
  /** The mailbox's SMTP address (routing; later: push notifications). */
  mailbox?: string;
  auth: FleetEwsAuth;
  /** The IANA time zone of the mailbox. */
  timeZone?: string;
  /** Offer the public folders too. */
  publicFolders?: boolean;
  /** Allow credentials over plain http to a host that is not loopback. */
  allowInsecureHttp?: boolean;
}

/** A CalDAV/CardDAV account (Basic; the secret is the password). */
export interface FleetDavAccount {
  type: "dav";
  url: string;
  username: string;
  allowInsecureHttp?: boolean;
}

/** Folders of `.vcf`/`.ics` files on a file system every worker sees (no secret). */
export interface FleetVdirAccount {
  type: "vdir";
  /** The root folder (absolute). */
  path: string;
}

/** An account's settings without its secret (stored as JSON, shown by `status`). */
export type FleetAccountConfig = FleetEwsAccount | FleetDavAccount | FleetVdirAccount;

/** A pair as the config's `pairs` entries describe it. */
export interface FleetPairConfig {
  /** The pair's id (default: made up). Letters, digits, `.`, `_`, `-`. */
  id?: string;
  kind: CollectionKind;
  /** The remote account and its folder (id or display name). */
  remote: { account: string; folder: string };
  /** The local account and its collection (id or display name); `create` makes it when missing. */
  local: { account: string; collection: string; create?: boolean };
}

/** A usage error of the fleet API (bad input, unknown id, parked pair); never carries a secret. */
export class FleetError extends Error {
  override readonly name = "FleetError";
  constructor(
    readonly code: "invalid" | "unknown-account" | "unknown-pair" | "in-use" | "parked" | "stopped",
    message: string,
  ) {
    super(message);
  }
}

const ID = /^[A-Za-z0-9_.-]{1,128}$/;

/** Checks an id (account or pair). */
export function checkId(what: string, id: string): void {
  if (!ID.test(id)) throw new FleetError("invalid", `${what} id ${JSON.stringify(id)}: use 1–128 letters, digits, ., _ and -`);
}

const isString = (v: unknown): v is string => typeof v === "string" && v.length > 0;

function checkUrl(where: string, text: unknown, allowInsecure: boolean | undefined): void {
  if (!isString(text) || !URL.canParse(text)) throw new FleetError("invalid", `${where}.url: not a URL`);
  const url = new URL(text);
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new FleetError("invalid", `${where}.url: http or https only`);
  if (url.username || url.password) throw new FleetError("invalid", `${where}.url holds a user name or password: give them as the account's username and secret instead`);
  const loopback = ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname) || url.hostname.startsWith("127.");
  if (url.protocol === "http:" && !loopback && !allowInsecure) throw new FleetError("invalid", `${where}.url: plain http to a host that is not loopback needs allowInsecureHttp`);
}

/** Validates an account's settings, and that it has a secret exactly when its kind needs one. @throws FleetError `invalid`. */
export function checkAccount(id: string, account: FleetAccountConfig, secret: string | undefined): void {
  const where = `account ${id}`;
  switch (account?.type) {
    case "ews":
      checkUrl(where, account.url, account.allowInsecureHttp);
      if (account.auth?.type === "basic" || account.auth?.type === "ntlm") {
        if (!isString(account.auth.username)) throw new FleetError("invalid", `${where}.auth.username: required`);
      } else if (account.auth?.type !== "bearer") throw new FleetError("invalid", `${where}.auth.type: basic, ntlm or bearer`);
      if (!isString(secret)) throw new FleetError("invalid", `${where}: a secret (password or token) is required`);
      return;
    case "dav":
      checkUrl(where, account.url, account.allowInsecureHttp);
      if (!isString(account.username)) throw new FleetError("invalid", `${where}.username: required`);
      if (!isString(secret)) throw new FleetError("invalid", `${where}: a secret (password) is required`);
      return;
    case "vdir":
      if (!isString(account.path) || !account.path.startsWith("/")) throw new FleetError("invalid", `${where}.path: an absolute folder`);
      if (secret !== undefined) throw new FleetError("invalid", `${where}: a vdir account has no secret`);
      return;
    default:
      throw new FleetError("invalid", `${where}.type: ews, dav or vdir`);
  }
}

/** Checks a pair's settings (the accounts' existence is checked against the database). */
export function checkPair(pair: FleetPairConfig): void {
  if (pair.id !== undefined) checkId("pair", pair.id);
  if (!["contacts", "events", "tasks"].includes(pair.kind)) throw new FleetError("invalid", `pair kind ${JSON.stringify(pair.kind)}: contacts, events or tasks`);
  if (!isString(pair.remote?.account) || !isString(pair.remote.folder)) throw new FleetError("invalid", "pair remote: give account and folder");
  if (!isString(pair.local?.account) || !isString(pair.local.collection)) throw new FleetError("invalid", "pair local: give account and collection");
  if (pair.remote.account === pair.local.account) throw new FleetError("invalid", "a pair's remote and local accounts must differ");
}

/** A side opened for one cycle, and how to close what it holds. */
export interface OpenedSide {
  side: SyncSide;
  close(): Promise<void>;
}

/**
 * Opens the side of an account (named by its id, as the engine's sides are), with its decrypted
 * secret. The protocol clients are loaded only for accounts that need them.
 */
export async function openSide(id: string, account: FleetAccountConfig, secret: string | undefined): Promise<OpenedSide> {
  switch (account.type) {
    case "vdir": {
      const { VdirSide } = await import("../sides/vdir.js");
      return { side: new VdirSide({ root: account.path, name: id }), close: async () => undefined };
    }
    case "dav": {
      const [{ DavSide }, { DavClient }] = await Promise.all([import("../sides/dav.js"), import("@ewsdav/dav-client")]);
      const client = new DavClient({ baseUrl: account.url, auth: { type: "basic", username: account.username, password: secret ?? "" }, ...(account.allowInsecureHttp ? { allowInsecureHttp: true } : {}) });
      return { side: new DavSide({ client, name: id }), close: async () => client.close() };
    }
    case "ews": {
      const [{ EwsSide }, ews] = await Promise.all([import("../sides/ews.js"), import("@ewsdav/ews-client")]);
      const auth = account.auth;
      const ntlm =
        auth.type === "ntlm" ? ews.ntlmAuth({ username: auth.domain !== undefined && !/[\\@]/.test(auth.username) ? `${auth.domain}\\${auth.username}` : auth.username, password: secret ?? "" }) : undefined;
      const client = new ews.EwsClient({
        url: account.url,
        ...(ntlm ? { send: ntlm.send } : { auth: auth.type === "basic" ? ews.basicAuth({ username: auth.username, password: secret ?? "" }) : ews.bearerAuth(async () => secret ?? "") }),
        ...(account.mailbox ? { mailbox: account.mailbox } : {}),
        ...(account.allowInsecureHttp ? { allowInsecureHttp: true } : {}),
      });
      const side = new EwsSide({ client, name: id, ...(account.timeZone ? { timeZone: account.timeZone } : {}), ...(account.publicFolders ? { publicFolders: true } : {}) });
      return {
        side,
        close: async () => {
          await client.close?.();
          await ntlm?.close().catch(() => undefined);
        },
      };
    }
  }
}
