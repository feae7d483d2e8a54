import type { CommandSpec } from "../../cli/spec.js";

/** `ewsdav discover`. */
export const spec: CommandSpec = {
  name: "discover",
  summary: "Find an address's EWS endpoint by autodiscover, or list a Graph account's collections",
  description:
    "Runs Exchange autodiscover for the address with the safe policy and prints what it found — the EWS URL, the server version and how it was found — and every host it contacted or refused, and why. " +
    "The safe policy: credentials go only over HTTPS with a certificate that verifies (system roots, plus NODE_EXTRA_CA_CERTS), only to hosts in the address's domain unless approved with --approve, never to a parent or top-level domain; at most 10 redirects. " +
    "Most Exchange servers want credentials for autodiscover: give --username and the name of an environment variable holding the password (--password-env). " +
    "--resolve and --connect-to map host names to other addresses, as curl's options of the same names do (split DNS, a test server). " +
    "Exit codes: 0 found, 2 an address without a usable domain, 3 a server refused the credentials, 4 nothing answered with a usable endpoint.\n\n" +
    "With --account NAME instead of an address: signs in to that Microsoft Graph account of the config and lists its collections (contact folders, calendars, To Do lists) with the ids and display names a pair may name.",
  options: {
    username: { type: "string", short: "u", valueName: "USER", description: "user name for autodiscover (user@domain or DOMAIN\\user)" },
    "password-env": { type: "string", valueName: "VAR", description: "the environment variable holding the password (never given on the command line)" },
    auth: { type: "string", valueName: "SCHEME", description: "how to send the credentials: basic (default) or ntlm", choices: ["basic", "ntlm"] },
    approve: { type: "string", multiple: true, valueName: "HOST", description: "allow credentials to go to this host outside the address's domain (repeatable; e.g. autodiscover-s.outlook.com)" },
    resolve: { type: "string", multiple: true, valueName: "HOST:PORT:ADDR", description: "connect to ADDR when HOST:PORT is asked for (repeatable; like curl)" },
    "connect-to": { type: "string", multiple: true, valueName: "H:P:H2:P2", description: "connect to H2:P2 instead of H:P; an empty H or P matches any (repeatable; like curl)" },
    internal: { type: "boolean", description: "prefer the internal EWS URL over the external one" },
    "no-srv": { type: "boolean", description: "skip the DNS SRV record (_autodiscover._tcp.DOMAIN)" },
    "no-http-redirect": { type: "boolean", description: "skip the unauthenticated plain-http redirect check" },
    timeout: { type: "string", valueName: "SECONDS", description: "timeout of each request (default 15)" },
    account: { type: "string", valueName: "NAME", description: "list the collections of this Microsoft Graph account of the config instead" },
  },
  positionals: [{ name: "ADDRESS", description: "the e-mail address to find the Exchange server of (not with --account)" }],
  examples: [
    { command: "ewsdav discover alice@example.com", description: "find Alice's EWS URL without credentials" },
    { command: "EWS_PASSWORD=… ewsdav discover alice@example.com -u alice@example.com --password-env EWS_PASSWORD", description: "the same for a server that wants credentials" },
    { command: "ewsdav discover alice@contoso.com --approve autodiscover-s.outlook.com --password-env P -u alice@contoso.com", description: "follow Exchange Online's redirect" },
    { command: "ewsdav discover alice@example.com --resolve autodiscover.example.com:443:10.0.0.5 --json", description: "split DNS: the autodiscover host at an inside address; the result as JSON" },
    { command: "ewsdav discover --account o365", description: "the contact folders, calendars and To Do lists of the Graph account o365" },
  ],
  load: () => import("./run.js"),
};
