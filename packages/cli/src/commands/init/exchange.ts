/**
 * `ewsdav init`, the Exchange account: the e-mail address, how to reach the mailbox (Microsoft
 * Graph — graph.ts takes over from there — or EWS with Basic, NTLM, or OAuth with a device code or
 * a browser on this machine; Graph is offered first for an address whose mail goes to Exchange
 * Online, where EWS is blocked by default since 1 October 2026), the EWS URL (autodiscover with the safe
 * policy, showing every host tried or refused and asking before credentials go outside the
 * address's domain; or typed in), then a check of the credentials that lists the mailbox's
 * contact, calendar and task folders. Credentials come before autodiscover because most Exchange
 * servers answer autodiscover only to a signed-in user.
 */
import { Resolver } from "node:dns/promises";
import { join } from "node:path";
import type { CollectionKind } from "@ewsdav/core";
import { EwsSide } from "@ewsdav/core/ews";
import type { AutodiscoverResult } from "@ewsdav/ews-client";
import { ewsAccountFor } from "../../accounts.js";
import {
  attemptLines,
  autodiscoverOptionsFromArgs,
  endpointMappingsFromArgs,
  isAutodiscoverError,
  resolveMapOf,
  resultLines,
  runAutodiscover,
  type AutodiscoverCredentials,
} from "../../autodiscover.js";
import type { CliContext } from "../../cli/context.js";
import { exitCodeOf, messageOf } from "../../cli/failure.js";
import { CliError, EXIT } from "../../exit-codes.js";
import { signIn, type DelegatedSignInRequest, type SignInFlow } from "../../oauth.js";
import type { Prompter } from "../../prompt.js";
import { askClientId, askTenant, parseAccount, urlProblem, withSecret, type DraftAccount, type RawAccount } from "./draft.js";
import { graphAccount } from "./graph.js";

/** Exchange Online's EWS URL (the default for OAuth accounts). */
export const EXCHANGE_ONLINE_EWS_URL = "https://outlook.office365.com/EWS/Exchange.asmx";

/** How many times a refused password or an unreachable URL is asked again before init gives up. */
const RETRIES = 3;

type AuthChoice = "basic" | "ntlm" | "oauth" | "graph";

/** What init says of EWS in Exchange Online. */
export const EWS_ONLINE_BLOCKED = "EWS in Exchange Online is blocked by default since 1 October 2026 (only tenants that enabled it and allow-listed the app get through) and switched off on 1 April 2027";

/**
 * Whether the address's mail goes to Exchange Online: a `*.onmicrosoft.com` address, or a domain
 * whose MX record names Exchange Online Protection (`*.mail.protection.outlook.com`; the other
 * clouds' `.outlook.de`, `.partner.outlook.cn`, `.office365.us`). A DNS failure or a slow answer
 * (more than two seconds) says no: this only picks the default answer.
 */
async function exchangeOnlineAddress(email: string, signal: AbortSignal): Promise<boolean> {
  const domain = email.slice(email.lastIndexOf("@") + 1).toLowerCase();
  if (domain.endsWith(".onmicrosoft.com")) return true;
  const resolver = new Resolver({ timeout: 2000, tries: 1 });
  const onAbort = () => resolver.cancel();
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    const mx = await resolver.resolveMx(domain);
    return mx.some((r) => /\.mail\.protection\.(outlook\.com|outlook\.de|partner\.outlook\.cn|office365\.us)\.?$/i.test(r.exchange));
  } catch {
    return false;
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

/** What was asked about signing in, before the URL is known. */
interface SignInAnswers {
  auth: AuthChoice;
  username?: string;
  password?: string;
  oauth?: { clientId: string; tenantId: string; authority?: string; flow: SignInFlow };
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function flag(context: CliContext, name: string): string | undefined {
  const v = context.args.values[name];
  return typeof v === "string" ? v : undefined;
}

async function askSignIn(context: CliContext, prompter: Prompter, email: string): Promise<SignInAnswers> {
  // Graph is the default where the address is Exchange Online's, or a Graph URL was given.
  const online = flag(context, "graph-url") !== undefined || (flag(context, "ews-url") === undefined && (await exchangeOnlineAddress(email, context.signal)));
  if (online && flag(context, "graph-url") === undefined) prompter.note(`${email} is an Exchange Online (Microsoft 365) address. ${EWS_ONLINE_BLOCKED}: choose graph.`);
  const auth = await prompter.choose<AuthChoice>(
    "How do you reach your mailbox?",
    [
      { value: "basic", label: "basic  — EWS with a user name and password (Basic authentication; Exchange Server)" },
      { value: "ntlm", label: "ntlm   — EWS with a Windows user name and password (NTLM; Exchange Server on premises)" },
      { value: "oauth", label: "oauth  — EWS with a Microsoft 365 sign-in (OAuth; Exchange Online only where the tenant still allows EWS)" },
      { value: "graph", label: "graph  — Microsoft Graph (Exchange Online / Microsoft 365: EWS there is blocked by default since 1 October 2026)" },
    ],
    { default: online ? "graph" : "basic" },
  );
  if (auth === "graph") return { auth };
  if (auth === "oauth") {
    const clientId = await askClientId(prompter);
    const tenantId = await askTenant(prompter, email);
    const flow = await prompter.choose<SignInFlow>(
      "How do you want to sign in?",
      [
        { value: "device-code", label: "device-code — enter a code at microsoft.com/devicelogin on any device" },
        { value: "localhost", label: "localhost   — a browser on this machine, redirected back to ewsdav" },
      ],
      { default: "device-code" },
    );
    const authority = flag(context, "authority");
    return { auth, oauth: { clientId, tenantId, flow, ...(authority ? { authority } : {}) } };
  }
  const username = await prompter.ask(auth === "ntlm" ? "User name (DOMAIN\\user or user@domain):" : "User name:", { default: email });
  const password = await prompter.secret("Password:");
  return { auth, username, password };
}

/** Autodiscover for `email`, printing what was tried; asks before credentials leave the address's domain. */
async function autodiscover(context: CliContext, prompter: Prompter, email: string, answers: SignInAnswers): Promise<AutodiscoverResult | undefined> {
  const credentials: AutodiscoverCredentials | undefined =
    (answers.auth === "basic" || answers.auth === "ntlm") && answers.username && answers.password ? { scheme: answers.auth, username: answers.username, password: answers.password } : undefined;
  prompter.note(`Looking for the Exchange server of ${email} (autodiscover)…`);
  try {
    const result = await runAutodiscover(email, autodiscoverOptionsFromArgs(context.args.values), {
      credentials,
      signal: context.signal,
      approve: async ({ url, reason, domain }) => {
        const how = reason === "ews-url" ? "names the EWS server" : reason === "srv" ? "has a DNS SRV record pointing to" : "redirects to";
        return prompter.confirm(`Autodiscover ${how} ${url.host}, outside ${domain}. Send your credentials there?`, { default: false });
      },
    });
    for (const line of attemptLines(result.attempts)) prompter.note(`  ${line}`);
    for (const line of resultLines(result)) prompter.note(line);
    return result;
  } catch (error) {
    if (!isAutodiscoverError(error)) throw error;
    for (const line of attemptLines(error.attempts)) prompter.note(`  ${line}`);
    prompter.note(`Autodiscover found nothing: ${error.message}.`);
    return undefined;
  }
}

/** The EWS URL: the flag, autodiscover (on an empty answer), or typed in. */
async function askUrl(context: CliContext, prompter: Prompter, email: string, answers: SignInAnswers): Promise<string> {
  const given = flag(context, "ews-url");
  if (given) {
    const problem = urlProblem(given);
    if (problem) throw new CliError(`--ews-url ${given}: ${problem}`, EXIT.usage);
    return given;
  }
  const typed = await prompter.ask("EWS URL (leave empty to find it by autodiscover):", {
    allowEmpty: true,
    validate: urlProblem,
    ...(answers.auth === "oauth" ? { default: EXCHANGE_ONLINE_EWS_URL } : {}),
  });
  if (typed !== "") return typed;
  const found = await autodiscover(context, prompter, email, answers);
  if (found && (await prompter.confirm(`Use ${found.ewsUrl}?`, { default: true }))) return found.ewsUrl;
  return prompter.ask("EWS URL (e.g. https://mail.example.com/EWS/Exchange.asmx):", { validate: urlProblem });
}

/** The account as written (no secret). */
function rawAccount(name: string, url: string, email: string, answers: SignInAnswers, resolve: Record<string, string>): RawAccount {
  if (answers.auth === "oauth") {
    const o = answers.oauth!;
    return {
      type: "ews",
      url,
      mailbox: email,
      // Host mappings given to init (split DNS) reach the identity provider on later runs too.
      ...(Object.keys(resolve).length ? { resolve } : {}),
      auth: { type: "oauth", flow: "delegated", clientId: o.clientId, tenantId: o.tenantId, ...(o.authority ? { authority: o.authority } : {}), signIn: o.flow, tokenCache: join("tokens", `${name}.json`) },
    };
  }
  return { type: "ews", url, mailbox: email, auth: { type: answers.auth, username: answers.username! } };
}

/** Opens the account as `ewsdav sync` will and lists its folders (and which are the defaults). */
async function check(context: CliContext, draft: DraftAccount, configDir: string): Promise<boolean> {
  // A copy: the token cache path below is for opening the account now, not for the config.
  const inline = structuredClone(withSecret(draft));
  if (draft.raw.auth && (draft.raw.auth as { type?: string }).type === "oauth") {
    // The token cache path as the config will resolve it (relative to the config's folder).
    (inline.auth as Record<string, unknown>).tokenCache = join(configDir, "tokens", `${draft.name}.json`);
  }
  const account = parseAccount(draft.name, inline);
  if (account.type !== "ews") throw new Error("not an EWS account");
  const opened = await ewsAccountFor(draft.name, account, { warn: context.warn, notifications: false });
  try {
    const side = new EwsSide({ client: opened.client, name: draft.name });
    draft.collections = await side.listCollections(context.signal);
    const kinds: CollectionKind[] = ["contacts", "events", "tasks"];
    const folders = await opened.client.getFolder(
      kinds.map((k) => ({ distinguishedId: k === "events" ? "calendar" : k })),
      { signal: context.signal },
    );
    draft.defaults = {};
    for (const [i, f] of folders.entries()) {
      const id = (f as { folderId?: { id?: string } }).folderId?.id;
      if (id) draft.defaults[kinds[i]!] = id;
    }
    const v = opened.client.serverVersion;
    context.detail(`${draft.name}: Exchange ${v ? `${v.majorVersion}.${v.minorVersion}.${v.majorBuildNumber}` : "(version not given)"} at ${opened.url}`);
    // Exchange Online reports 15.20 and later (Exchange Server 2019 stays at 15.2).
    return v !== undefined && v.majorVersion === 15 && v.minorVersion >= 20;
  } finally {
    await opened.close();
  }
}

/** Asks for the Exchange account and checks it; returns it with its folders. */
export async function exchangeAccount(context: CliContext, prompter: Prompter, name: string, configDir: string, graphName = "graph"): Promise<DraftAccount & { email: string }> {
  const given = flag(context, "email");
  if (given !== undefined && !EMAIL.test(given)) throw new CliError(`--email ${given}: not an e-mail address`, EXIT.usage);
  const email = given ?? (await prompter.ask("Your e-mail address (the Exchange mailbox):", { validate: (a) => (EMAIL.test(a) ? undefined : "an address like alice@example.com") }));
  const answers = await askSignIn(context, prompter, email);
  if (answers.auth === "graph") return graphAccount(context, prompter, graphName, configDir, email);
  let url = await askUrl(context, prompter, email, answers);
  const resolve = resolveMapOf(endpointMappingsFromArgs(context.args.values));
  if (answers.auth === "oauth") {
    const o = answers.oauth!;
    const request: DelegatedSignInRequest & { network?: { resolve: Record<string, string> } } = {
      accountName: name,
      clientId: o.clientId,
      tenantId: o.tenantId,
      ...(o.authority ? { authority: o.authority } : {}),
      flow: o.flow,
      tokenCachePath: join(configDir, "tokens", `${name}.json`),
      // The sign-in contract's network settings: the host mappings init was given.
      ...(Object.keys(resolve).length ? { network: { resolve } } : {}),
    };
    const signedIn = await signIn(context, request);
    prompter.note(`Signed in as ${signedIn.username}.`);
  }
  for (let attempt = 1; ; attempt++) {
    const draft: DraftAccount = {
      name,
      raw: rawAccount(name, url, email, answers, resolve),
      secretAt: answers.auth === "oauth" ? "none" : "auth",
      collections: [],
      ...(answers.password !== undefined ? { secret: answers.password } : {}),
    };
    prompter.note(`Checking the credentials at ${url}…`);
    let online: boolean;
    try {
      online = await check(context, draft, configDir);
    } catch (error) {
      const code = exitCodeOf(error);
      if (error instanceof CliError || (code !== EXIT.auth && code !== EXIT.connection) || attempt >= RETRIES) {
        throw error instanceof CliError ? error : new CliError(`Exchange at ${url}: ${messageOf(error)}`, code === EXIT.itemsFailed ? EXIT.connection : code);
      }
      if (code === EXIT.auth) {
        if (answers.auth === "oauth") throw new CliError(`Exchange at ${url} refused the token: ${messageOf(error)}`, EXIT.auth);
        prompter.note(`Exchange refused the credentials (${messageOf(error)}).`);
        answers.password = await prompter.secret("Password:");
      } else {
        prompter.note(`Exchange did not answer at ${url} (${messageOf(error)}).`);
        url = await prompter.ask("EWS URL:", { default: url, validate: urlProblem });
      }
      continue;
    }
    const count = (k: CollectionKind) => draft.collections.filter((c) => c.kind === k).length;
    prompter.note(`Exchange accepted the credentials: ${count("contacts")} contact, ${count("events")} calendar and ${count("tasks")} task folders.`);
    if (online || new URL(url).hostname.toLowerCase() === new URL(EXCHANGE_ONLINE_EWS_URL).hostname) {
      prompter.note(`This is Exchange Online. ${EWS_ONLINE_BLOCKED}. For a lasting setup run ewsdav init again and choose graph, or later move the pairs with ewsdav move-to-graph (docs/exchange-online.md).`);
    }
    return { ...draft, email };
  }
}
