/**
 * `ewsdav init`, the Microsoft Graph account (Exchange Online): the app registration's client id,
 * how ewsdav signs in — as the user (delegated: a device code, or a browser on this machine; the
 * sign-in happens now, the tokens go to the account's 0600 cache beside the config) or as the
 * application itself (app-only: a client secret, kept like the passwords in a 0600 file or an
 * environment variable, or a certificate whose files are named, never copied) — and the tenant;
 * then a check that opens the account as `ewsdav sync` will and lists the mailbox's contact
 * folders, calendars and To Do lists. The Graph service root is Microsoft's (by `--cloud`) unless
 * `--graph-url` names another (a test server such as the Graph simulator).
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { isAbsolute, join, relative, resolve as resolvePath } from "node:path";
import type { CollectionKind } from "@ewsdav/core";
import { GraphSide } from "@ewsdav/core/graph";
import { graphAccountFor } from "../../accounts-graph.js";
import { resolveMapOf, endpointMappingsFromArgs } from "../../autodiscover.js";
import { cloudAuthority, graphScopes } from "../../auth/providers.js";
import type { CliContext } from "../../cli/context.js";
import { exitCodeOf, messageOf } from "../../cli/failure.js";
import { GRAPH_CLOUDS } from "../../config/schema.js";
import { CliError, EXIT } from "../../exit-codes.js";
import { signIn, type SignInFlow } from "../../oauth.js";
import type { Prompter } from "../../prompt.js";
import { askClientId, askTenant, parseAccount, urlProblem, type DraftAccount, type RawAccount } from "./draft.js";

type GraphCloud = keyof typeof GRAPH_CLOUDS;
type GraphSignIn = SignInFlow | "app-only";


function flag(context: CliContext, name: string): string | undefined {
  const v = context.args.values[name];
  return typeof v === "string" ? v : undefined;
}

/** The `--cloud` flag, checked. */
function cloudOf(context: CliContext): GraphCloud {
  const given = flag(context, "cloud") ?? "global";
  if (!Object.hasOwn(GRAPH_CLOUDS, given)) throw new CliError(`--cloud ${given}: one of ${Object.keys(GRAPH_CLOUDS).join(", ")}`, EXIT.usage);
  return given as GraphCloud;
}

/** A path typed by the user (relative to the working folder), as the config names it: relative to the config's folder when inside it. */
function configPathOf(context: CliContext, configDir: string, typed: string): { absolute: string; inConfig: string } {
  const absolute = resolvePath(context.cwd, typed);
  const rel = relative(configDir, absolute);
  return { absolute, inConfig: rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : absolute };
}

/**
 * An error's message followed by its causes' (a few, each once): "the token provider failed for GET …"
 * alone hides why (a host not found, a refused certificate). Messages carry no secrets.
 */
function withCauses(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const text = depth === 0 ? messageOf(e) : e instanceof Error ? e.message : typeof e === "string" ? e : "";
    if (text && !parts.some((p) => p.includes(text))) parts.push(text);
  }
  return parts.join(": ");
}

/** Opens the account as `ewsdav sync` will, lists its collections and the defaults. */
async function check(context: CliContext, draft: DraftAccount, configDir: string): Promise<void> {
  const inline = structuredClone(draft.raw);
  const auth = inline.auth as Record<string, unknown>;
  // Paths as the config will resolve them (relative to its folder).
  if (typeof auth.tokenCache === "string") auth.tokenCache = join(configDir, auth.tokenCache);
  const certificate = auth.certificate as Record<string, string> | undefined;
  if (certificate) for (const key of ["privateKeyFile", "certificateFile"]) if (certificate[key] !== undefined) certificate[key] = resolvePath(configDir, certificate[key]!);
  // A client secret not written yet reaches the token provider through an environment variable of
  // this process only, named at random and removed when the check is done.
  const variable = draft.secret !== undefined ? `EWSDAV_INIT_SECRET_${randomBytes(6).toString("hex").toUpperCase()}` : undefined;
  if (variable) {
    auth.clientSecretEnv = variable;
    process.env[variable] = draft.secret;
  }
  try {
    const account = parseAccount(draft.name, inline);
    if (account.type !== "graph") throw new Error("not a Graph account");
    const opened = await graphAccountFor(draft.name, account, { warn: context.warn });
    try {
      const side = new GraphSide({ client: opened.client, name: draft.name });
      draft.collections = await side.listCollections(context.signal);
      const call = { signal: context.signal };
      const [calendars, lists] = await Promise.all([opened.client.listCalendars(call), opened.client.listTodoLists(call)]);
      const defaults: Partial<Record<CollectionKind, string>> = { contacts: "contacts" };
      const calendar = calendars.find((c) => c.isDefaultCalendar === true);
      if (calendar) defaults.events = calendar.id;
      const list = lists.find((l) => l.wellknownListName === "defaultList");
      if (list) defaults.tasks = list.id;
      draft.defaults = defaults;
      context.detail(`${draft.name}: Microsoft Graph at ${opened.baseUrl} (${opened.kind})`);
    } finally {
      await opened.close();
    }
  } finally {
    if (variable) delete process.env[variable];
  }
}

/**
 * Asks for the Graph account of `email` and checks it; returns it with its collections.
 * @param name - the account's name in the config.
 */
export async function graphAccount(context: CliContext, prompter: Prompter, name: string, configDir: string, email: string): Promise<DraftAccount & { email: string }> {
  const cloud = cloudOf(context);
  const baseUrl = flag(context, "graph-url");
  if (baseUrl !== undefined && urlProblem(baseUrl)) throw new CliError(`--graph-url ${baseUrl}: ${urlProblem(baseUrl)}`, EXIT.usage);
  const authority = flag(context, "authority");
  prompter.note("Microsoft Graph needs an app registration in your tenant (Microsoft Entra admin center → App registrations); docs/exchange-online.md says which permissions.");
  const clientId = await askClientId(prompter);
  const how = await prompter.choose<GraphSignIn>(
    "How does ewsdav sign in to Microsoft Graph?",
    [
      { value: "device-code", label: "device-code — as you: enter a code at microsoft.com/devicelogin on any device" },
      { value: "localhost", label: "localhost   — as you: a browser on this machine, redirected back to ewsdav" },
      { value: "app-only", label: "app-only    — as the application (client secret or certificate; an admin scopes it to mailboxes)" },
    ],
    { default: "device-code" },
  );
  const tenantId = await askTenant(prompter, email);
  const resolve = resolveMapOf(endpointMappingsFromArgs(context.args.values));
  const common: RawAccount = {
    type: "graph",
    ...(cloud !== "global" ? { cloud } : {}),
    ...(baseUrl !== undefined ? { baseUrl } : {}),
    // Host mappings given to init (split DNS, tests) reach the identity provider on later runs too.
    ...(Object.keys(resolve).length ? { resolve } : {}),
  };
  let draft: DraftAccount;
  if (how === "app-only") {
    const credential = await prompter.choose<"secret" | "certificate">(
      "The application's credential:",
      [
        { value: "certificate", label: "certificate — a certificate uploaded to the app registration (recommended by Microsoft)" },
        { value: "secret", label: "secret      — a client secret" },
      ],
      { default: "certificate" },
    );
    const auth: Record<string, unknown> = { type: "oauth", flow: "app-only", clientId, tenantId, ...(authority ? { authority } : {}) };
    let secret: string | undefined;
    if (credential === "secret") {
      secret = await prompter.secret("Client secret (its value, not its id):");
    } else {
      const fileProblem = (a: string) => (existsSync(resolvePath(context.cwd, a)) ? undefined : `no file ${resolvePath(context.cwd, a)}`);
      const key = await prompter.ask("Private key file (PEM; readable by you only):", { validate: fileProblem });
      const cert = await prompter.ask("Certificate file (PEM):", { validate: fileProblem });
      auth.certificate = { privateKeyFile: configPathOf(context, configDir, key).inConfig, certificateFile: configPathOf(context, configDir, cert).inConfig };
    }
    draft = {
      name,
      raw: { ...common, user: email, auth },
      secretAt: secret !== undefined ? "auth" : "none",
      secretFields: { file: "clientSecretFile", env: "clientSecretEnv", label: "client secret" },
      collections: [],
      ...(secret !== undefined ? { secret } : {}),
    };
  } else {
    const tokenCache = join("tokens", `${name}.json`);
    const auth = { type: "oauth", flow: "delegated", clientId, tenantId, ...(authority ? { authority } : {}), signIn: how, tokenCache };
    // A Graph account asks for Graph's permissions, at its cloud's identity provider (as `ewsdav login` does).
    const signInAuthority = authority ?? cloudAuthority(cloud, tenantId);
    const signedIn = await signIn(context, {
      accountName: name,
      clientId,
      tenantId,
      ...(signInAuthority !== undefined ? { authority: signInAuthority } : {}),
      scopes: graphScopes(cloud, "delegated"),
      flow: how,
      tokenCachePath: join(configDir, tokenCache),
      ...(Object.keys(resolve).length ? { network: { resolve } } : {}),
    });
    prompter.note(`Signed in as ${signedIn.username}.`);
    // The signed-in user's own mailbox (/me), unless the address typed is another one (a mailbox shared with them).
    const other = signedIn.username.toLowerCase() !== email.toLowerCase();
    draft = { name, raw: { ...common, ...(other ? { user: email } : {}), auth }, secretAt: "none", collections: [] };
  }
  const where = baseUrl ?? `${GRAPH_CLOUDS[cloud].graph}/v1.0`;
  prompter.note(`Checking the sign-in at ${where}…`);
  try {
    await check(context, draft, configDir);
  } catch (error) {
    if (error instanceof CliError) throw error;
    const code = exitCodeOf(error);
    throw new CliError(`Microsoft Graph at ${where}: ${withCauses(error)}`, code === EXIT.itemsFailed ? EXIT.connection : code);
  }
  const count = (k: CollectionKind) => draft.collections.filter((c) => c.kind === k).length;
  prompter.note(`Microsoft Graph accepted the sign-in: ${count("contacts")} contact folder${count("contacts") === 1 ? "" : "s"}, ${count("events")} calendar${count("events") === 1 ? "" : "s"} and ${count("tasks")} To Do list${count("tasks") === 1 ? "" : "s"}.`);
  return { ...draft, email };
}

/** The service root a Graph draft account talks to (for the summary). */
export function graphUrlOf(raw: RawAccount): string {
  if (typeof raw.baseUrl === "string") return raw.baseUrl;
  const cloud = typeof raw.cloud === "string" && Object.hasOwn(GRAPH_CLOUDS, raw.cloud) ? (raw.cloud as GraphCloud) : "global";
  return `${GRAPH_CLOUDS[cloud].graph}/v1.0`;
}
