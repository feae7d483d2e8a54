import type { CommandSpec } from "../../cli/spec.js";

/** `ewsdav login`. */
export const spec: CommandSpec = {
  name: "login",
  summary: "Sign in to an OAuth account and keep its tokens",
  description: [
    "Signs in to a delegated OAuth account of the config (Exchange Online, through EWS or Microsoft Graph: a Graph account asks for Contacts.ReadWrite, Calendars.ReadWrite and Tasks.ReadWrite) and keeps the tokens in the account's token cache, a file only you can read (0600; default tokens/ACCOUNT.json beside the config). Later runs of `ewsdav sync` and `ewsdav watch` use it and renew the access token on their own; sign in again when the refresh token expires or is revoked (sync then fails with exit code 3 and says so).",
    'Two ways to sign in, chosen by the account\'s "signIn" (or --flow): "device-code" prints a code to type at the identity provider\'s device login page, in a browser on any machine; "localhost" prints the address to open (and opens a browser on a desktop), and waits on a loopback port for the browser to come back.',
    "ACCOUNT may be left out when the config has exactly one delegated OAuth account. App-only accounts need no sign-in.",
  ].join("\n\n"),
  options: {
    flow: { type: "string", valueName: "FLOW", description: 'how to sign in: device-code or localhost (default: the account\'s "signIn")', choices: ["device-code", "localhost"] },
    port: { type: "string", valueName: "PORT", description: "localhost flow: the port of the redirect listener (default: any free port)" },
    "no-browser": { type: "boolean", description: "localhost flow: print the address only, never open a browser" },
  },
  positionals: [{ name: "ACCOUNT", description: "the account's name in the config" }],
  examples: [
    { command: "ewsdav login", description: "Sign in to the config's only OAuth account" },
    { command: "ewsdav login work --flow device-code", description: "Sign in to account work with a code typed in any browser" },
    { command: "ewsdav login work --flow localhost --no-browser", description: "Print the sign-in address and wait for the browser's redirect" },
    { command: "ewsdav login work --json-lines", description: "For scripts: the device code as a JSON event, then the result" },
  ],
  load: () => import("./run.js"),
};
