/**
 * The network settings of an account for autodiscover and the identity provider: host mapping
 * (`resolve`, like curl's `--resolve`) and extra trusted CA certificates (`caFile`).
 * @module
 */
import { readFileSync } from "node:fs";
import type { EndpointResolver } from "@ewsdav/ews-client";
import { ConfigError } from "../config.js";

/** The network fields of an EWS account. */
export interface AccountNetworkConfig {
  resolve?: Record<string, string> | undefined;
  caFile?: string | undefined;
}

/** The options the autodiscover and OAuth requests take. */
export interface AccountNetwork {
  ca?: string;
  resolveEndpoint?: EndpointResolver;
}

/** Splits `HOST:PORT` (IPv6 in brackets) into its parts. */
function hostPort(value: string): { host: string; port: number } {
  const colon = value.lastIndexOf(":");
  return { host: value.slice(0, colon).replace(/^\[|\]$/g, ""), port: Number(value.slice(colon + 1)) };
}

/** Where a host name and port connect, after the account's `resolve` map. */
export function resolverOf(map: Record<string, string> | undefined): EndpointResolver | undefined {
  if (!map || Object.keys(map).length === 0) return undefined;
  const table = new Map(Object.entries(map).map(([from, to]) => [from.toLowerCase(), hostPort(to)]));
  return (hostname, port) => table.get(`${hostname.toLowerCase()}:${port}`) ?? { host: hostname, port };
}

/**
 * The network options of an account.
 * @param where - the account, for errors (`accounts.work`).
 * @throws ConfigError when the CA file cannot be read.
 */
export function networkOf(account: AccountNetworkConfig, where: string): AccountNetwork {
  const network: AccountNetwork = {};
  if (account.caFile !== undefined) {
    try {
      network.ca = readFileSync(account.caFile, "utf8");
    } catch (error) {
      throw new ConfigError(`${where}.caFile: ${account.caFile} cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`);
    }
  }
  const resolveEndpoint = resolverOf(account.resolve);
  if (resolveEndpoint) network.resolveEndpoint = resolveEndpoint;
  return network;
}
