/**
 * The zod schema of the config file: accounts (EWS with Basic, NTLM, OAuth delegated or app-only,
 * or a bearer token from the environment; Microsoft Graph with OAuth delegated or app-only, or a
 * bearer token; DAV; vdir), pairs, policy, watch, lease and state file.
 * Every field carries a description, so the JSON Schema generated from it (`ewsdav config schema`)
 * gives editors completion and help. Rules a JSON Schema cannot say (exactly one secret source,
 * `url` or `autodiscover`) are zod refinements: the editor shows them in the descriptions, and
 * {@link loadConfig} checks them.
 * @module
 */
import { z } from "zod";

/** Where a password-like secret comes from: exactly one of the three. */
const secretFields = {
  password: z
    .string()
    .min(1)
    .optional()
    .describe("The password inline (discouraged: a warning is printed when the config file is readable by others; prefer passwordEnv or passwordFile)"),
  passwordEnv: z.string().min(1).optional().describe("The name of an environment variable holding the password"),
  passwordFile: z
    .string()
    .min(1)
    .optional()
    .describe("A file holding only the password (one trailing newline is ignored), relative to the config file; it must be readable by its owner only (chmod 600), or it is refused"),
};

/** The secret sources an object may name. */
export interface SecretSource {
  password?: string | undefined;
  passwordEnv?: string | undefined;
  passwordFile?: string | undefined;
}

const SECRET_KEYS = ["password", "passwordEnv", "passwordFile"] as const;

/** The JSON Schema form of "exactly one of these fields" (editors flag none or two). */
const exactlyOneOf = (keys: readonly string[]) => ({ oneOf: keys.map((key) => ({ required: [key] })) });

/** A refinement: exactly one of password, passwordEnv, passwordFile. */
function exactlyOneSecret(value: SecretSource, context: z.RefinementCtx): void {
  const given = SECRET_KEYS.filter((k) => value[k] !== undefined);
  if (given.length === 1) return;
  context.addIssue({
    code: "custom",
    message: given.length === 0 ? "give one of password, passwordEnv or passwordFile" : `give only one of password, passwordEnv or passwordFile (found ${given.join(", ")})`,
  });
}

const basicAuth = z
  .strictObject({
    type: z.literal("basic").describe("HTTP Basic (on-premises Exchange; Exchange Online no longer accepts it)"),
    username: z.string().min(1).describe("The user name: user@domain or DOMAIN\\user"),
    ...secretFields,
  })
  .superRefine(exactlyOneSecret)
  .describe("Basic authentication")
  .meta(exactlyOneOf(SECRET_KEYS));

const ntlmAuth = z
  .strictObject({
    type: z.literal("ntlm").describe("NTLM (NTLMv2), the default of on-premises Exchange behind IIS"),
    username: z.string().min(1).describe("The user name: DOMAIN\\user, user@domain (UPN) or a bare user name with domain"),
    domain: z.string().min(1).optional().describe("The NetBIOS domain, when the username is a bare user name (sent as DOMAIN\\user)"),
    ...secretFields,
  })
  .superRefine(exactlyOneSecret)
  .describe("NTLM authentication")
  .meta(exactlyOneOf(SECRET_KEYS));

/** A server URL: http(s) as given, never with a user name or password in it (they belong in `auth`). */
const serverUrl = (protocol: RegExp) =>
  z.url({ protocol }).refine((text) => {
    // zod runs this after a failed url check too: an unparsable URL is that check's to report.
    if (!URL.canParse(text)) return true;
    const url = new URL(text);
    return url.username === "" && url.password === "";
  }, "the URL holds a user name or password: give them in the account's username and passwordFile (or auth) instead");

const tenantId = z.string().min(1).describe("The directory (tenant) id or domain");
const authority = serverUrl(/^https$/)
  .optional()
  .describe("The identity provider's authority URL instead of https://login.microsoftonline.com/{tenantId} (sovereign clouds, test identity providers)");

const delegatedOAuth = z
  .strictObject({
    type: z.literal("oauth").describe("OAuth 2 through the Microsoft identity platform (Exchange Online: EWS or Microsoft Graph)"),
    flow: z.literal("delegated").describe("A signed-in user (run `ewsdav login ACCOUNT` once)"),
    clientId: z.string().min(1).describe("The application (client) id of the app registration (a public client)"),
    tenantId: tenantId.default("organizations"),
    authority,
    signIn: z
      .enum(["device-code", "localhost"])
      .default("device-code")
      .describe("How `ewsdav login` signs in: a device code typed in any browser, or a browser redirected to a listener on localhost"),
    tokenCache: z
      .string()
      .min(1)
      .optional()
      .describe("The token cache file (0600), relative to the config file; default tokens/<account>.json beside the config"),
  })
  .describe("OAuth for a signed-in user");

const certificate = z
  .strictObject({
    privateKeyFile: z.string().min(1).describe("The certificate's private key (PEM), relative to the config file; readable by its owner only"),
    thumbprint: z
      .string()
      .regex(/^[0-9A-Fa-f:]{64,95}$/, "a SHA-256 thumbprint: 64 hexadecimal digits")
      .optional()
      .describe("The certificate's SHA-256 thumbprint (hex), when certificateFile is not given"),
    certificateFile: z.string().min(1).optional().describe("The certificate (PEM), relative to the config file: its thumbprint is computed and it is sent as x5c"),
  })
  .refine((c) => c.thumbprint !== undefined || c.certificateFile !== undefined, { message: "give thumbprint or certificateFile" })
  .describe("A client certificate (recommended by Microsoft for app-only access)")
  .meta({ anyOf: [{ required: ["thumbprint"] }, { required: ["certificateFile"] }] });

const appOnlyOAuth = z
  .strictObject({
    type: z.literal("oauth"),
    flow: z
      .literal("app-only")
      .describe("The application itself (client credentials). EWS: needs full_access_as_app and the account's mailbox, which it impersonates. Graph: needs the application permissions Contacts.ReadWrite, Calendars.ReadWrite (and Tasks.ReadWrite.All for To Do), scoped to the mailboxes by an application access policy or RBAC for Applications, and the account's user"),
    clientId: z.string().min(1).describe("The application (client) id of the app registration"),
    tenantId,
    authority,
    clientSecretEnv: z.string().min(1).optional().describe("The name of an environment variable holding the client secret"),
    clientSecretFile: z.string().min(1).optional().describe("A file holding only the client secret, relative to the config file; readable by its owner only"),
    certificate: certificate.optional(),
  })
  .superRefine((value, context) => {
    const given = (["clientSecretEnv", "clientSecretFile", "certificate"] as const).filter((k) => value[k] !== undefined);
    if (given.length !== 1) {
      context.addIssue({
        code: "custom",
        message: given.length === 0 ? "give one of clientSecretEnv, clientSecretFile or certificate" : `give only one of clientSecretEnv, clientSecretFile or certificate (found ${given.join(", ")})`,
      });
    }
  })
  .describe("OAuth for the application (app-only)")
  .meta(exactlyOneOf(["clientSecretEnv", "clientSecretFile", "certificate"]));

const bearerAuth = z
  .strictObject({
    type: z.literal("bearer"),
    tokenEnv: z.string().min(1).describe("The name of an environment variable holding an access token (renewed by something else)"),
  })
  .describe("A bearer token from the environment");

const ewsAuth = z.discriminatedUnion("type", [basicAuth, ntlmAuth, z.discriminatedUnion("flow", [delegatedOAuth, appOnlyOAuth]), bearerAuth]).describe("How to sign in to Exchange");

/**
 * The national clouds of Microsoft Graph: each has its own Graph host and identity provider
 * (https://learn.microsoft.com/graph/deployments).
 */
export const GRAPH_CLOUDS = {
  global: { graph: "https://graph.microsoft.com", login: "https://login.microsoftonline.com" },
  usgov: { graph: "https://graph.microsoft.us", login: "https://login.microsoftonline.us" },
  "usgov-dod": { graph: "https://dod-graph.microsoft.us", login: "https://login.microsoftonline.us" },
  china: { graph: "https://microsoftgraph.chinacloudapi.cn", login: "https://login.chinacloudapi.cn" },
} as const;

/** A Graph account's sign-in: OAuth delegated or app-only, or a bearer token from the environment. */
const graphAuth = z.discriminatedUnion("type", [z.discriminatedUnion("flow", [delegatedOAuth, appOnlyOAuth]), bearerAuth]).describe("How to sign in to Microsoft Graph");

const resolve = z
  .record(
    z.string().regex(/^[^\s:]+:\d+$/, "HOST:PORT"),
    z.string().regex(/^[^\s]+:\d+$/, "ADDRESS:PORT"),
  )
  .optional()
  .describe('Connect these HOST:PORT to ADDRESS:PORT instead of asking DNS, for autodiscover, the identity provider and EWS requests (not push notifications nor NTLM connections; split DNS, tests), like curl --resolve: { "login.example.com:443": "10.0.0.5:443" }');

const caFile = z.string().min(1).optional().describe("Extra trusted CA certificates (PEM), relative to the config file, for a private CA; certificate checks stay on");

const insecure = z.boolean().default(false).describe("Send the credentials over plain http to a host that is not loopback (a warning is printed)");

const ewsAccount = z
  .object({
    type: z.literal("ews").describe("Microsoft Exchange through EWS"),
    url: serverUrl(/^https?$/)
      .optional()
      .describe("The EWS URL, e.g. https://mail.example.com/EWS/Exchange.asmx (or autodiscover: true)"),
    autodiscover: z
      .boolean()
      .optional()
      .describe("Find the EWS URL from the mailbox's address (safe policy: credentials go only to hosts of its domain); cached beside the state file for a day"),
    mailbox: z.email().optional().describe("The mailbox's SMTP address: routing, push notifications, autodiscover, and the mailbox app-only access impersonates"),
    auth: ewsAuth,
    timeZone: z.string().optional().describe("The IANA time zone of the mailbox (default: the server's)"),
    publicFolders: z.boolean().optional().describe("Offer the public folders too"),
    notifications: z.boolean().default(true).describe("Push for `ewsdav watch` (streaming notifications, pull where refused); off: the folders are polled"),
    allowInsecureHttp: insecure,
    resolve,
    caFile,
    autodiscoverCache: z
      .string()
      .min(1)
      .optional()
      .describe("Where autodiscover's answer is cached, relative to the config file (default: <state>.autodiscover.json)"),
  })
  .superRefine((account, context) => {
    if ((account.url === undefined) === (account.autodiscover !== true)) {
      context.addIssue({ code: "custom", path: ["url"], message: account.url === undefined ? 'give the EWS "url", or "autodiscover": true' : 'give either "url" or "autodiscover": true, not both' });
    }
    if (account.autodiscover === true && account.mailbox === undefined) {
      context.addIssue({ code: "custom", path: ["mailbox"], message: "autodiscover needs the mailbox's address" });
    }
    if (account.auth.type === "oauth" && account.auth.flow === "app-only" && account.mailbox === undefined) {
      context.addIssue({ code: "custom", path: ["mailbox"], message: "app-only access needs the mailbox it acts as" });
    }
  })
  .describe("An Exchange mailbox")
  .meta({ oneOf: [{ required: ["url"], not: { required: ["autodiscover"], properties: { autodiscover: { const: true } } } }, { required: ["autodiscover", "mailbox"], properties: { autodiscover: { const: true } }, not: { required: ["url"] } }] });

const graphAccount = z
  .strictObject({
    type: z.literal("graph").describe("Exchange Online through Microsoft Graph (contacts, calendars, To Do)"),
    user: z
      .string()
      .min(1)
      .optional()
      .describe("The mailbox: its user principal name (alice@contoso.com) or object id. App-only access needs it; a delegated account defaults to the signed-in user (/me)"),
    auth: graphAuth,
    cloud: z
      .enum(["global", "usgov", "usgov-dod", "china"])
      .default("global")
      .describe("The Microsoft cloud: global (graph.microsoft.com), usgov (GCC High, graph.microsoft.us), usgov-dod (dod-graph.microsoft.us) or china (21Vianet); picks the Graph host, the sign-in authority and the scopes"),
    baseUrl: serverUrl(/^https?$/)
      .optional()
      .describe("The Graph service root instead of the cloud's https://…/v1.0 (a test server such as the Graph simulator: http://127.0.0.1:PORT/v1.0)"),
    timeZone: z.string().optional().describe("The IANA time zone of the mailbox, for all-day and floating times (default UTC)"),
    calendarWindow: z
      .strictObject({
        pastDays: z.number().int().min(0).describe("Days before today"),
        futureDays: z.number().int().min(1).describe("Days after today"),
      })
      .optional()
      .describe("The window of events synced (Graph v1.0 follows a calendar's changes through calendarView delta, over a window): default a year back, two years ahead"),
    allowInsecureHttp: insecure,
    resolve,
    caFile,
  })
  .superRefine((account, context) => {
    if (account.auth.type === "oauth" && account.auth.flow === "app-only" && account.user === undefined) {
      context.addIssue({ code: "custom", path: ["user"], message: "app-only access needs the user (mailbox) it acts on" });
    }
    if (account.auth.type === "bearer" && account.user === undefined) {
      // Without it /me would do, but a bearer token's kind (delegated or app-only) is unknown here.
      context.addIssue({ code: "custom", path: ["user"], message: "a bearer token needs the user (mailbox) it acts on" });
    }
  })
  .describe("An Exchange Online mailbox through Microsoft Graph");

const davAccount = z
  .object({
    type: z.literal("dav").describe("A CalDAV/CardDAV server"),
    url: serverUrl(/^https?$/).describe("The DAV URL (the server's root or the user's principal)"),
    username: z.string().min(1).describe("The user name (Nextcloud: with an app password)"),
    ...secretFields,
    allowInsecureHttp: insecure,
  })
  .superRefine(exactlyOneSecret)
  .describe("A CalDAV/CardDAV account")
  .meta(exactlyOneOf(SECRET_KEYS));

const vdirAccount = z
  .object({ type: z.literal("vdir").describe("Folders of .vcf/.ics files"), path: z.string().min(1).describe("The root folder, relative to the config file") })
  .describe("A vdir folder tree");

const kind = z.enum(["contacts", "events", "tasks"]).describe("What the pair syncs");

/** The validated configuration. */
export const syncConfigSchema = z
  .object({
    $schema: z.string().optional().describe("The JSON Schema of this file (`ewsdav config schema --output FILE`), for editors"),
    state: z.string().min(1).describe("The SQLite state file (created with mode 0600), relative to the config file"),
    policy: z
      .object({
        conflict: z.enum(["remote-wins", "local-wins", "newest-wins"]).default("remote-wins").describe("Which side wins when both changed the same property"),
        deleteVersusModify: z.enum(["modification-wins", "deletion-wins"]).default("modification-wins").describe("What happens when one side deletes an item the other changed"),
      })
      .default({ conflict: "remote-wins", deleteVersusModify: "modification-wins" })
      .describe("How conflicts are settled"),
    tagWrites: z.boolean().default(true).describe("Tag the items written, so that echoes of the sync's own writes are recognised"),
    watch: z
      .object({
        pollIntervalSeconds: z.number().positive().default(5).describe("How often DAV/vdir collections (and EWS folders without push) are polled"),
        fullCycleMinutes: z.number().positive().default(15).describe("How often every pair runs a full cycle regardless"),
        statusIntervalSeconds: z.number().positive().default(60).describe("How often a status line per pair is printed"),
      })
      .default({ pollIntervalSeconds: 5, fullCycleMinutes: 15, statusIntervalSeconds: 60 })
      .describe("Active mode (`ewsdav watch`)"),
    lease: z
      .object({
        ttlSeconds: z.number().positive().default(60).describe("How long a lease lasts without renewal (renewed every third of it while a cycle runs)"),
        waitSeconds: z.number().min(0).default(30).describe("How long a cycle waits for a pair whose lease another process holds (0: not at all)"),
      })
      .default({ ttlSeconds: 60, waitSeconds: 30 })
      .describe("One writer per pair: a lease in the state file; a run that finds it held waits, then reports pair-busy"),
    accounts: z
      .record(z.string().regex(/^[A-Za-z0-9_-]+$/, "account names are letters, digits, - and _"), z.discriminatedUnion("type", [ewsAccount, graphAccount, davAccount, vdirAccount]))
      .describe("The accounts, by name"),
    pairs: z
      .array(
        z.object({
          id: z.string().min(1).optional().describe("The pair's id (default: made up when it is linked)"),
          kind,
          remote: z
            .object({ account: z.string().describe("An account's name"), folder: z.string().min(1).describe("The folder's id or display name") })
            .describe("The remote account and folder"),
          local: z
            .object({
              account: z.string().describe("An account's name"),
              collection: z.string().min(1).describe("The collection's id or display name"),
              create: z.boolean().default(false).describe("Create the collection when it is missing"),
            })
            .describe("The local account and collection"),
        }),
      )
      .min(1)
      .describe("What is kept in sync with what"),
  })
  .meta({ title: "ewsdav configuration", description: "The config file of ewsdav: accounts, pairs of folders kept in sync, and how." });

/** A validated configuration. */
export type SyncConfig = z.infer<typeof syncConfigSchema>;
