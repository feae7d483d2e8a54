/**
 * `ewsdav init`, the CalDAV/CardDAV account: the server URL, user name and (app) password, then
 * discovery (RFC 6764 well-known URLs, the principal, its calendar and address book homes —
 * dav-client's discovery, which also finds Nextcloud's `remote.php/dav/` from the server's base
 * URL) and the collections there. A refused password or a URL where no DAV server answers is
 * asked again.
 */
import { DavSide } from "@ewsdav/core/dav";
import { davClientFor } from "../../accounts-dav.js";
import type { CliContext } from "../../cli/context.js";
import { exitCodeOf, messageOf } from "../../cli/failure.js";
import { CliError, EXIT } from "../../exit-codes.js";
import type { Prompter } from "../../prompt.js";
import { parseAccount, urlProblem, withSecret, type DraftAccount } from "./draft.js";

const RETRIES = 3;

/** Asks for the DAV account, discovers its collections and returns it. */
export async function davAccount(context: CliContext, prompter: Prompter, name: string): Promise<DraftAccount> {
  const flagUrl = context.args.values["dav-url"];
  if (typeof flagUrl === "string" && urlProblem(flagUrl)) throw new CliError(`--dav-url ${flagUrl}: ${urlProblem(flagUrl)}`, EXIT.usage);
  let url =
    typeof flagUrl === "string"
      ? flagUrl
      : await prompter.ask("CalDAV/CardDAV server URL (Nextcloud: https://cloud.example.com/remote.php/dav/):", { validate: urlProblem });
  const username = await prompter.ask("DAV user name:");
  prompter.note("Nextcloud with two-factor sign-in wants an app password: Settings → Security → Devices & sessions → Create new app password.");
  let password = await prompter.secret("DAV password (or app password):");
  for (let attempt = 1; ; attempt++) {
    const draft: DraftAccount = { name, raw: { type: "dav", url, username }, secret: password, secretAt: "account", collections: [] };
    prompter.note(`Looking for calendars and address books at ${url}…`);
    try {
      const account = parseAccount(name, withSecret(draft));
      if (account.type !== "dav") throw new Error("not a DAV account");
      const client = davClientFor(name, account, { warn: context.warn });
      try {
        draft.collections = await new DavSide({ client, name }).listCollections(context.signal);
      } finally {
        await client.close();
      }
    } catch (error) {
      const code = exitCodeOf(error);
      const discovery = (error as { code?: unknown }).code === "DISCOVERY_FAILED";
      if (error instanceof CliError || attempt >= RETRIES || (code !== EXIT.auth && code !== EXIT.connection && !discovery)) {
        throw error instanceof CliError ? error : new CliError(`DAV server at ${url}: ${messageOf(error)}`, code === EXIT.itemsFailed ? EXIT.connection : code);
      }
      if (code === EXIT.auth) {
        prompter.note(`The DAV server refused the credentials (${messageOf(error)}).`);
        password = await prompter.secret("DAV password (or app password):");
      } else {
        prompter.note(`No CalDAV/CardDAV server found at ${url} (${messageOf(error)}).`);
        url = await prompter.ask("CalDAV/CardDAV server URL:", { default: url, validate: urlProblem });
      }
      continue;
    }
    prompter.note(`Found ${draft.collections.length} collection${draft.collections.length === 1 ? "" : "s"}${draft.collections.length ? ":" : "."}`);
    for (const c of draft.collections) prompter.note(`  ${c.displayName} (${(c.kinds ?? [c.kind]).join(" and ")}) ${c.id}`);
    return draft;
  }
}
