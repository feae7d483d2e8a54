/**
 * The checks of a DAV account after the network ones: sign-in (discovery: PROPFIND of
 * current-user-principal and the home sets), the paired collections, and per collection whether
 * it answers the sync-collection REPORT (RFC 6578: `supported-report-set`); without it changes are
 * found by listing ETags, which is slower on large collections.
 */
import type { DavClient, DavCollection } from "@ewsdav/dav-client";
import { davClientFor, type DavAccountConfig } from "../accounts-dav.js";
import type { SyncConfig } from "../config.js";
import { categoryOf, failed, ok, warning, type CheckOutcome, type Step } from "./check.js";

/** What the DAV checks need from the config. */
export interface DavCheckInput {
  name: string;
  account: DavAccountConfig;
  config: SyncConfig;
  /** Receives the accounts module's warnings (e.g. credentials over plain http). */
  warn: (message: string) => void;
}

/** A failed outcome for an error of the sign-in request. */
function signInFailure(name: string, account: DavAccountConfig, error: unknown): CheckOutcome {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown }).code;
  if (code === "UNAUTHORIZED") {
    return failed("auth", `the server refused the credentials of ${account.username} (HTTP 401)`, `check the username and password in accounts.${name} (Nextcloud: use an app password)`);
  }
  if (code === "FORBIDDEN") return failed("auth", `the server let ${account.username} in but refused the request (HTTP 403)`, `check that ${account.username} may use CalDAV/CardDAV on this server`);
  const category = categoryOf(error);
  if (category === "config") return failed("config", message, `fix accounts.${name} as the message says`);
  if (category === "connection") return failed("connection", message, "check that the account URL is the DAV server's and that it is reachable");
  return failed(category, message, "check the account URL: the server's root, Nextcloud's …/remote.php/dav, or a principal or collection URL");
}

/** The steps of a DAV account (after DNS and TLS). */
export function davSteps(input: DavCheckInput): { steps: Step[]; close(): Promise<void> } {
  const { name, account, config } = input;
  let client: DavClient | undefined;
  let listed: DavCollection[] = [];
  /** The collections the pairs name (found), else every listed one. */
  let checked: DavCollection[] = [];
  const steps: Step[] = [
    {
      id: "sign-in",
      title: "Sign-in",
      after: ["tls"],
      run: async (signal) => {
        try {
          client = davClientFor(name, account, { warn: input.warn });
          const found = await client.discover(signal);
          const homes = found.calendarHomeUrls.length + found.addressBookHomeUrls.length;
          listed = await client.listCollections({ signal });
          return ok(`signed in as ${account.username}; principal ${new URL(found.principalUrl).pathname}, ${homes} home set${homes === 1 ? "" : "s"}, ${listed.length} collection${listed.length === 1 ? "" : "s"}`, {
            principal: found.principalUrl,
            calendarHomes: found.calendarHomeUrls,
            addressBookHomes: found.addressBookHomeUrls,
          });
        } catch (error) {
          return signInFailure(name, account, error);
        }
      },
    },
    {
      id: "collections",
      title: "Collections",
      after: ["sign-in"],
      run: async () => {
        const pairs = config.pairs.map((pair, index) => ({ pair, index })).filter(({ pair }) => pair.local.account === name);
        checked = [];
        if (pairs.length === 0) {
          checked = listed;
          return ok("no pair uses this account");
        }
        const missing: string[] = [];
        const toCreate: string[] = [];
        for (const { pair, index } of pairs) {
          const found = listed.find((c) => c.href === pair.local.collection || c.url === pair.local.collection || c.displayName === pair.local.collection);
          if (found) checked.push(found);
          else if (pair.local.create) toCreate.push(`"${pair.local.collection}"`);
          else missing.push(`pairs.${index}.local.collection: no collection "${pair.local.collection}" (there are ${listed.map((c) => `"${c.displayName ?? c.href}"`).slice(0, 8).join(", ") || "none"})`);
        }
        if (missing.length > 0) return failed("config", missing.join("; "), `name an existing collection (display name or href) in the pair, or set "create": true`);
        const created = toCreate.length > 0 ? `; the first sync creates ${toCreate.join(", ")}` : "";
        return ok(`${checked.length} paired collection${checked.length === 1 ? "" : "s"} found${created}`);
      },
    },
    {
      id: "sync-collection",
      title: "DAV sync-collection",
      after: ["sign-in"],
      run: async () => {
        if (checked.length === 0) return ok("no collection to ask yet: the first sync creates them (run ewsdav doctor again after it)");
        const without = checked.filter((c) => !c.supportsSyncCollection);
        const label = (c: DavCollection) => `"${c.displayName ?? c.href}"`;
        const details = { collections: checked.map((c) => ({ href: c.href, displayName: c.displayName, syncCollection: c.supportsSyncCollection })) };
        if (without.length === 0) return ok(`sync-collection (RFC 6578) supported by ${checked.map(label).join(", ")}: each cycle asks only for what changed`, details);
        return warning(
          `no sync-collection (RFC 6578) on ${without.map(label).join(", ")}: changes are found by listing every ETag, which is slower on large collections`,
          "nothing breaks; for speed, upgrade the server to one with sync-collection (Nextcloud, sabre/dav 2 or later, Radicale, Xandikos)",
          details,
        );
      },
    },
  ];
  return {
    steps,
    close: async () => {
      await client?.close().catch(() => undefined);
    },
  };
}
