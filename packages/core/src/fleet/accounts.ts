/**
 * The fleet's accounts and pairs, in the words of the `ewsdav` config file (packages/cli's
 * `config/schema.ts`), which the library cannot import (nothing imports the CLI): an account is
 * EWS, DAV or vdir with the same fields, a pair names its remote account and folder and its
 * local account and collection (`create` allowed) as the config's `pairs` entries do. What
 * differs: a secret is given once, as a value, and stored encrypted — never an environment
 * variable or a file on the worker. OAuth accounts (Exchange Online) are delegated — a signed-in
 * user whose MSAL token cache the fleet keeps encrypted (`./tokens.ts`) — or app-only, whose
 * secret is the client secret or the certificate's private key.
 * @module
 */
import { createPrivateKey, X509Certificate } from "node:crypto";
import type { SyncSide } from "../engine/side.js";
import type { CollectionKind } from "../engine/side.js";
import { oauthTokenProvider, type FleetOAuthAppOnly, type FleetOAuthDelegated, type TokenContext } from "./tokens.js";
import type { EwsAuthProvider, ImpersonatedUser, StreamingOptions } from "@ewsdav/ews-client";

export type { FleetOAuthAppOnly, FleetOAuthCommon, FleetOAuthDelegated } from "./tokens.js";

/**
 * EWS sign-in: Basic, NTLM, a bearer token (the secret is the password or the token), or OAuth
 * delegated (no secret; a token cache) or app-only (the secret is the client secret or private key).
 */
export type FleetEwsAuth =
  | { type: "basic"; username: string }
  | { type: "ntlm"; username: string; domain?: string }
  | { type: "bearer" }
  | FleetOAuthDelegated
  | FleetOAuthAppOnly;

/** An Exchange mailbox through EWS (the config's `ews` account, with an explicit `url`). */
export interface FleetEwsAccount {
  type: "ews";
  /** The EWS URL, e.g. `https://mail.example.com/EWS/Exchange.asmx`. */
  url: string;
  /** The mailbox's SMTP address (routing; later: push notifications); required by app-only OAuth, which acts as it. */
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
      if (account.auth?.type === "oauth") {
        checkOAuth(where, account, secret);
        return;
      }
      if (account.auth?.type === "basic" || account.auth?.type === "ntlm") {
        if (!isString(account.auth.username)) throw new FleetError("invalid", `${where}.auth.username: required`);
      } else if (account.auth?.type !== "bearer") throw new FleetError("invalid", `${where}.auth.type: basic, ntlm, bearer or oauth`);
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

const SMTP = /^[^@\s]+@[^@\s]+$/;

/** The SHA-256 thumbprint (hex, upper case) of a PEM certificate, or `undefined` when it is none. */
function thumbprintOf(pem: string): string | undefined {
  try {
    return new X509Certificate(pem).fingerprint256.replace(/:/g, "");
  } catch {
    return undefined;
  }
}

/**
 * The client certificate of an app-only account: its thumbprint (given, or computed from the
 * certificate, which must agree) and the certificate sent as x5c. @throws FleetError `invalid`.
 */
export function certificateOf(where: string, certificate: NonNullable<FleetOAuthAppOnly["certificate"]>): { thumbprintSha256: string; x5c?: string } {
  let thumbprint = certificate.thumbprint?.replace(/:/g, "").toUpperCase();
  if (thumbprint !== undefined && !/^[0-9A-F]{64}$/.test(thumbprint)) throw new FleetError("invalid", `${where}.auth.certificate.thumbprint: a SHA-256 thumbprint, 64 hexadecimal digits`);
  if (certificate.certificate !== undefined) {
    const computed = thumbprintOf(certificate.certificate);
    if (computed === undefined) throw new FleetError("invalid", `${where}.auth.certificate.certificate: not a PEM certificate`);
    if (thumbprint !== undefined && thumbprint !== computed) throw new FleetError("invalid", `${where}.auth.certificate.thumbprint: does not match the certificate (SHA-256 ${computed})`);
    thumbprint = computed;
  }
  if (thumbprint === undefined) throw new FleetError("invalid", `${where}.auth.certificate: give thumbprint or certificate`);
  return { thumbprintSha256: thumbprint, ...(certificate.certificate !== undefined ? { x5c: certificate.certificate } : {}) };
}

/** Checks an OAuth account's settings and its secret (none for delegated; the client secret or private key for app-only). */
function checkOAuth(where: string, account: FleetEwsAccount, secret: string | undefined): void {
  const auth = account.auth as FleetOAuthDelegated | FleetOAuthAppOnly;
  if (!isString(auth.clientId)) throw new FleetError("invalid", `${where}.auth.clientId: required`);
  if (auth.tenantId !== undefined && !isString(auth.tenantId)) throw new FleetError("invalid", `${where}.auth.tenantId: a tenant id or domain`);
  if (auth.authority !== undefined && (!isString(auth.authority) || !URL.canParse(auth.authority) || new URL(auth.authority).protocol !== "https:")) {
    throw new FleetError("invalid", `${where}.auth.authority: an https URL`);
  }
  const network = auth.network;
  if (network !== undefined) {
    if (network.ca !== undefined && (!isString(network.ca) || !network.ca.includes("-----BEGIN CERTIFICATE-----"))) throw new FleetError("invalid", `${where}.auth.network.ca: PEM certificates`);
    for (const [from, to] of Object.entries(network.resolve ?? {})) {
      if (!/^[^\s:]+:\d+$/.test(from) || typeof to !== "string" || !/^[^\s]+:\d+$/.test(to)) throw new FleetError("invalid", `${where}.auth.network.resolve: HOST:PORT → ADDRESS:PORT entries`);
    }
  }
  if (auth.flow === "delegated") {
    if (secret !== undefined) throw new FleetError("invalid", `${where}: a delegated OAuth account has no secret; its sign-in is a token cache (importTokenCache or signInWithDeviceCode)`);
    return;
  }
  if (auth.flow !== "app-only") throw new FleetError("invalid", `${where}.auth.flow: delegated or app-only`);
  if (auth.tenantId === undefined && auth.authority === undefined) throw new FleetError("invalid", `${where}.auth.tenantId: required for app-only access (or give authority)`);
  if (!isString(account.mailbox) || !SMTP.test(account.mailbox)) throw new FleetError("invalid", `${where}.mailbox: app-only access needs the SMTP address of the mailbox it acts as`);
  checkAppOnlySecret(where, auth, secret);
}

/** An app-only account's secret: the client secret, or with a certificate its RSA private key (PEM). Never quoted in an error. */
export function checkAppOnlySecret(where: string, auth: FleetOAuthAppOnly, secret: string | undefined): void {
  if (auth.certificate === undefined) {
    if (!isString(secret)) throw new FleetError("invalid", `${where}: a secret (the client secret) is required`);
    return;
  }
  certificateOf(where, auth.certificate);
  if (!isString(secret)) throw new FleetError("invalid", `${where}: a secret (the certificate's private key, PEM) is required`);
  let keyType: string | undefined;
  try {
    keyType = createPrivateKey(secret).asymmetricKeyType;
  } catch {
    throw new FleetError("invalid", `${where}: the secret is not a PEM private key (or an encrypted one: give it unencrypted)`);
  }
  // Client assertions are signed RS256/PS256: Microsoft Entra ID takes RSA certificates only.
  if (keyType !== "rsa") throw new FleetError("invalid", `${where}: the certificate's private key must be RSA (this one is ${keyType ?? "of an unknown type"})`);
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
 * secret. The protocol clients are loaded only for accounts that need them. An OAuth account's
 * tokens come through `tokens` (the fleet's pool, schema and key ring: a delegated account's
 * token cache is read and written back there; its token providers are kept per `tokens` object,
 * so a worker reuses its access tokens from cycle to cycle, in memory only).
 */
export async function openSide(id: string, account: FleetAccountConfig, secret: string | undefined, tokens?: TokenContext): Promise<OpenedSide> {
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
    case "ews":
      return openEws(id, account, secret, tokens);
  }
}

/** Tuning of an EWS side's streaming subscription (as `EwsSideOptions.streaming`). */
export type PushTuning = Pick<StreamingOptions, "connectionTimeoutMinutes" | "stallTimeoutMs" | "reconnectDelayMs" | "maxReconnectDelayMs" | "maxConsecutiveFailures">;

/**
 * Opens the EWS side of an account: its client with the account's sign-in (Basic, NTLM, a bearer
 * token, or OAuth through the fleet's token providers), and — with `push`, for the active mode —
 * a notification connection to the same mailbox with the same sign-in, so the side's `watch` is live.
 */
export async function openEws(id: string, account: FleetEwsAccount, secret: string | undefined, tokens: TokenContext | undefined, push?: { streaming?: PushTuning }): Promise<OpenedSide> {
  const [{ EwsSide }, ews] = await Promise.all([import("../sides/ews.js"), import("@ewsdav/ews-client")]);
  const auth = account.auth;
  let ntlm: ReturnType<typeof ews.ntlmAuth> | undefined;
  let provider: EwsAuthProvider | undefined;
  let mailbox: { mailbox?: string; impersonation?: ImpersonatedUser } = account.mailbox ? { mailbox: account.mailbox } : {};
  if (auth.type === "oauth") {
    if (!tokens) throw new FleetError("invalid", `account ${id}: an OAuth account is opened by a fleet`);
    const credential = auth.flow === "delegated" ? undefined : auth.certificate ? { clientCertificate: { ...certificateOf(`account ${id}`, auth.certificate), privateKey: secret ?? "" } } : { clientSecret: secret ?? "" };
    provider = ews.bearerAuth(await oauthTokenProvider(tokens, id, auth, secret, credential));
    if (auth.flow === "app-only") mailbox = ews.appOnlyMailboxOptions(account.mailbox!);
  } else if (auth.type === "ntlm") {
    ntlm = ews.ntlmAuth({ username: auth.domain !== undefined && !/[\\@]/.test(auth.username) ? `${auth.domain}\\${auth.username}` : auth.username, password: secret ?? "" });
  } else {
    provider = auth.type === "basic" ? ews.basicAuth({ username: auth.username, password: secret ?? "" }) : ews.bearerAuth(async () => secret ?? "");
  }
  const insecure = account.allowInsecureHttp ? { allowInsecureHttp: true } : {};
  const client = new ews.EwsClient({ url: account.url, ...(ntlm ? { send: ntlm.send } : { auth: provider! }), ...mailbox, ...insecure });
  const notifications =
    push && mailbox.mailbox ? new ews.NotificationConnection({ url: account.url, mailbox: mailbox.mailbox, ...(ntlm ? { ntlm } : { auth: provider! }), ...(mailbox.impersonation ? { impersonation: mailbox.impersonation } : {}), ...insecure }) : undefined;
  const side = new EwsSide({
    client,
    name: id,
    ...(notifications ? { notifications } : {}),
    ...(push?.streaming ? { streaming: push.streaming } : {}),
    ...(account.timeZone ? { timeZone: account.timeZone } : {}),
    ...(account.publicFolders ? { publicFolders: true } : {}),
  });
  return {
    side,
    close: async () => {
      await notifications?.close().catch(() => undefined);
      await client.close?.();
      await ntlm?.close().catch(() => undefined);
    },
  };
}
