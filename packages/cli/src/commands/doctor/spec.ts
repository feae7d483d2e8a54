import type { CommandSpec } from "../../cli/spec.js";

/** `ewsdav doctor`. */
export const spec: CommandSpec = {
  name: "doctor",
  summary: "Check each account: network, TLS, sign-in, server features, clock, state file",
  description:
    "Checks every account of the config (or those named with --account) and the state file, and says for each check that is not ok what to do about it.\n\n" +
    "Servers: DNS (the addresses), TLS (handshake, certificate trusted, valid for the host and not expiring within 14 days; plain http only to loopback), the clock (the server's Date header; over about 2 min apart breaks NTLM, OAuth and newest-wins), sign-in (one cheap authenticated request).\n" +
    "Exchange: the version negotiated and what it implies, the paired folders, push (a streaming subscription made and removed; where refused, a pull subscription, else the folders are polled).\n" +
    "DAV: the paired collections and whether each answers sync-collection (without it changes are found by listing ETags, slower).\n" +
    "State file: exists or can be created, mode 0600 and yours, its schema version, and whether a pair has an interrupted run or is being synced now.\n\n" +
    "Nothing is changed: the state file is opened read-only and a subscription made is removed at once. " +
    "A check that needs one that failed is skipped. Each check stops after --timeout seconds; accounts are checked four at a time.\n\n" +
    "Exit code 0 when nothing failed (warnings allowed); else the most serious failure's: 2 config, 3 authentication, 4 connection, 1 anything else.",
  options: {
    account: { type: "string", short: "a", multiple: true, valueName: "NAME", description: "check only this account (repeatable); the state file is always checked" },
    timeout: { type: "string", valueName: "SECONDS", description: "time each check may take (default 10)" },
  },
  examples: [
    { command: "ewsdav doctor", description: "check every account of ~/.config/ewsdav/config.json and the state file" },
    { command: "ewsdav doctor --account work --timeout 30", description: "check only the account 'work', giving slow servers 30 s per check" },
    { command: "ewsdav doctor --json | jq '.accounts[].checks[] | select(.verdict != \"ok\")'", description: "what is not ok, as JSON, for a script" },
    { command: "ewsdav doctor --json-lines", description: "one JSON object per check as it completes, then a final {\"type\":\"done\"}" },
  ],
  load: () => import("./run.js"),
};
