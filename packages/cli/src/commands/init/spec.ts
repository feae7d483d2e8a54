import type { CommandSpec } from "../../cli/spec.js";

/** `ewsdav init`. */
export const spec: CommandSpec = {
  name: "init",
  summary: "Set up accounts and pairs interactively and write the config",
  description:
    "Asks, one question at a time: your e-mail address; how you reach the mailbox — Microsoft Graph (Exchange Online; offered first when the address's mail goes to Exchange Online, where EWS is blocked by default since 1 October 2026 and switched off on 1 April 2027) or EWS with Basic, NTLM, or OAuth (a device code or a browser on this machine) and your password; " +
    "for Graph: the app registration's client id, how ewsdav signs in (as you with a device code or a browser, right away; or app-only with a certificate or client secret) and the tenant, then it checks the sign-in and lists the contact folders, calendars and To Do lists; for EWS: the EWS URL — left empty, autodiscover finds it with the safe policy, showing every host it tried or refused and asking before your credentials go to a host outside your domain; " +
    "then it checks the credentials and lists the mailbox's contact, calendar and task folders. Next the CalDAV/CardDAV server URL, user name and (app) password, and the collections found there. " +
    "For contacts, calendar and tasks you pick the Exchange folders to sync and pair each with an existing collection or a new one (made by the first sync). " +
    "Passwords (and a Graph app-only client secret) go to a file per account beside the config (secrets/ACCOUNT, mode 0600) or stay in environment variables you name; the config itself never holds one. " +
    "Nothing is written until the last answer; an existing config is not replaced without --force. " +
    "Answers are read line by line from stdin, so a script can pipe them in (defaults are taken on an empty line; a choice is answered by number or name). With --json the questions go to stderr and stdout carries the result.",
  options: {
    force: { type: "boolean", short: "f", description: "replace an existing config (and its secrets files)" },
    email: { type: "string", valueName: "ADDRESS", description: "the Exchange mailbox (instead of asking)" },
    "ews-url": { type: "string", valueName: "URL", description: "the EWS URL (instead of asking; no autodiscover)" },
    "dav-url": { type: "string", valueName: "URL", description: "the CalDAV/CardDAV server URL (instead of asking)" },
    authority: { type: "string", valueName: "URL", description: "OAuth: the identity provider's URL (default: Microsoft Entra ID)" },
    "graph-url": { type: "string", valueName: "URL", description: "Microsoft Graph: the service root instead of Microsoft's (a test server such as the Graph simulator); offers Graph first" },
    cloud: { type: "string", valueName: "CLOUD", description: "Microsoft Graph: global (default), usgov, usgov-dod or china" },
    resolve: { type: "string", multiple: true, valueName: "HOST:PORT:ADDR", description: "autodiscover and OAuth sign-in: connect to ADDR when HOST:PORT is asked for (like curl; kept as an OAuth account's resolve)" },
    "connect-to": { type: "string", multiple: true, valueName: "H:P:H2:P2", description: "autodiscover and OAuth sign-in: connect to H2:P2 instead of H:P; an empty H or P matches any (like curl)" },
    "no-srv": { type: "boolean", description: "autodiscover: skip the DNS SRV record" },
    "no-http-redirect": { type: "boolean", description: "autodiscover: skip the unauthenticated plain-http redirect check" },
  },
  examples: [
    { command: "ewsdav init", description: "set up ~/.config/ewsdav/config.json, asking every question" },
    { command: "ewsdav init --config ./work.json --email alice@example.com", description: "write ./work.json, starting from Alice's address" },
    { command: "ewsdav init --email alice@contoso.com", description: "an Exchange Online mailbox: answer graph to sync it through Microsoft Graph" },
    { command: "ewsdav init --force", description: "start over, replacing the existing config" },
    { command: "ewsdav init --json < answers.txt > setup.json", description: "scripted: answers from a file, the result as JSON" },
  ],
  load: () => import("./run.js"),
};
