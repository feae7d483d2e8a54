/**
 * The OAuth token providers of a configured account: delegated (a signed-in user, its tokens in a
 * 0600 cache file) and app-only (a client secret or certificate), for EWS (the default scopes) or
 * Microsoft Graph ({@link graphScopes}). Shared by the accounts (runs) and `ewsdav login` (sign-in).
 * @module
 */
import { createPrivateKey, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { ExchangeOnlineAppOnlyTokenProvider, ExchangeOnlineDelegatedTokenProvider, type AppOnlyOptions, type OAuthCommonOptions } from "@ewsdav/ews-client";
import { ConfigError, type SyncConfig } from "../config.js";
import { GRAPH_CLOUDS } from "../config/schema.js";
import type { AccountNetwork } from "./network.js";
import { clientSecretOf, readPrivateSecretFile } from "./secrets.js";
import { fileTokenCache } from "./token-cache.js";

type EwsAuthConfig = Extract<SyncConfig["accounts"][string], { type: "ews" }>["auth"];
/** A delegated OAuth account's `auth`. */
export type DelegatedAuthConfig = Extract<EwsAuthConfig, { type: "oauth"; flow: "delegated" }>;
/** An app-only OAuth account's `auth`. */
export type AppOnlyAuthConfig = Extract<EwsAuthConfig, { type: "oauth"; flow: "app-only" }>;

/** A Microsoft cloud of the config (`cloud` of a Graph account). */
export type GraphCloud = keyof typeof GRAPH_CLOUDS;

/** The delegated Microsoft Graph permissions ewsdav asks for: contacts, calendars and To Do tasks. */
export const GRAPH_DELEGATED_PERMISSIONS = ["Contacts.ReadWrite", "Calendars.ReadWrite", "Tasks.ReadWrite"] as const;

/**
 * The scopes of Microsoft Graph in a cloud: delegated, the permissions of
 * {@link GRAPH_DELEGATED_PERMISSIONS} and `offline_access` (a refresh token); app-only, the
 * resource's `/.default` (the application permissions an administrator granted). In the global
 * cloud the delegated permissions go bare (Entra reads them as Graph's); elsewhere with the
 * cloud's Graph host in front.
 */
export function graphScopes(cloud: GraphCloud, flow: "delegated" | "app-only"): string[] {
  const resource = GRAPH_CLOUDS[cloud].graph;
  if (flow === "app-only") return [`${resource}/.default`];
  return [...GRAPH_DELEGATED_PERMISSIONS.map((p) => (cloud === "global" ? p : `${resource}/${p}`)), "offline_access"];
}

/** The authority of a cloud's identity provider for a tenant (`https://login.microsoftonline.us/{tenant}` …). */
export function cloudAuthority(cloud: GraphCloud, tenantId: string): string | undefined {
  return cloud === "global" ? undefined : `${GRAPH_CLOUDS[cloud].login}/${tenantId}`;
}

/** What the delegated provider needs (the config's fields, or `ewsdav init`'s answers). */
export interface DelegatedProviderSettings {
  clientId: string;
  tenantId: string;
  authority?: string | undefined;
  /** The token cache file (absolute). */
  tokenCachePath: string;
  /** The scopes (default EWS's; {@link graphScopes} for Microsoft Graph). */
  scopes?: readonly string[] | undefined;
}

/** The options both providers share: client, authority (a non-Microsoft one is trusted as known), network. */
function commonOptions(settings: { clientId: string; tenantId: string; authority?: string | undefined }, network: AccountNetwork): OAuthCommonOptions {
  const options: OAuthCommonOptions = { clientId: settings.clientId, tenantId: settings.tenantId, network };
  if (settings.authority !== undefined) {
    options.authority = settings.authority.replace(/\/+$/, "");
    const host = new URL(settings.authority).host;
    if (!/(^|\.)login\.microsoftonline\.(com|us)$|(^|\.)login\.partner\.microsoftonline\.cn$|(^|\.)login\.chinacloudapi\.cn$/i.test(host)) options.knownAuthorities = [host];
  }
  return options;
}

/** The delegated token provider over the token cache file. */
export function delegatedProvider(settings: DelegatedProviderSettings, network: AccountNetwork, where: string): ExchangeOnlineDelegatedTokenProvider {
  return new ExchangeOnlineDelegatedTokenProvider({
    ...commonOptions(settings, network),
    cache: fileTokenCache(settings.tokenCachePath, `${where}.tokenCache`),
    ...(settings.scopes ? { scopes: settings.scopes } : {}),
  });
}

/** The SHA-256 thumbprint (hex, upper case) of a PEM certificate. */
function thumbprintOf(pem: string, where: string): string {
  try {
    return new X509Certificate(pem).fingerprint256.replace(/:/g, "");
  } catch {
    throw new ConfigError(`${where}: not a PEM certificate`);
  }
}

/**
 * The app-only token provider: a client secret from the environment or a private file, or a
 * certificate (its private key from a private file, its thumbprint given or computed).
 * @param scopes - the scopes (default EWS's `https://outlook.office365.com/.default`; {@link graphScopes} for Graph).
 */
export function appOnlyProvider(auth: AppOnlyAuthConfig, network: AccountNetwork, where: string, scopes?: readonly string[]): ExchangeOnlineAppOnlyTokenProvider {
  const options: AppOnlyOptions = commonOptions(auth, network);
  if (scopes) options.scopes = scopes;
  const secret = clientSecretOf(auth, where);
  if (secret !== undefined) options.clientSecret = secret;
  else if (auth.certificate) {
    const certificate = auth.certificate;
    const privateKey = readPrivateSecretFile(certificate.privateKeyFile, `${where}.certificate.privateKeyFile`);
    let keyType: string | undefined;
    try {
      keyType = createPrivateKey(privateKey).asymmetricKeyType;
    } catch {
      throw new ConfigError(`${where}.certificate.privateKeyFile: ${certificate.privateKeyFile} holds no PEM private key (or an encrypted one: give it unencrypted, readable by its owner only)`);
    }
    // Client assertions are signed RS256/PS256: Microsoft Entra ID takes RSA certificates only.
    if (keyType !== "rsa") throw new ConfigError(`${where}.certificate.privateKeyFile: an RSA private key is needed (this one is ${keyType ?? "of an unknown type"}); Microsoft Entra ID signs in apps with RSA certificates only`);
    let thumbprint = certificate.thumbprint?.replace(/:/g, "").toUpperCase();
    let x5c: string | undefined;
    if (certificate.certificateFile !== undefined) {
      const file = certificate.certificateFile;
      const pem = publicFileText(file, `${where}.certificate.certificateFile`);
      const computed = thumbprintOf(pem, `${where}.certificate.certificateFile`);
      if (thumbprint !== undefined && thumbprint !== computed) throw new ConfigError(`${where}.certificate.thumbprint: does not match the certificate in certificateFile (SHA-256 ${computed})`);
      thumbprint = computed;
      x5c = pem;
    }
    options.clientCertificate = { thumbprintSha256: thumbprint!, privateKey, ...(x5c ? { x5c } : {}) };
  }
  return new ExchangeOnlineAppOnlyTokenProvider(options);
}

/** A public file's text (a certificate), with the field named in errors. */
function publicFileText(path: string, where: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError(`${where}: ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`);
  }
}
