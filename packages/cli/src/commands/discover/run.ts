/**
 * `ewsdav discover ADDRESS`: autodiscover with the safe policy, printing what was found and every
 * host contacted or refused. Text mode: the result, then one line per attempt; `--json`: one
 * document `{ ok, address, result?, error?, attempts }`; `--json-lines`: one `attempt` event per
 * attempt, then `found` or `failed`.
 */
import type { AutodiscoverAttempt, AutodiscoverResult } from "@ewsdav/ews-client";
import {
  attemptLines,
  autodiscoverOptionsFromArgs,
  contacted,
  exitCodeOfAutodiscover,
  isAutodiscoverError,
  resultLines,
  runAutodiscover,
  type AutodiscoverCredentials,
} from "../../autodiscover.js";
import type { CliContext } from "../../cli/context.js";
import { CliError, EXIT } from "../../exit-codes.js";

/** The credentials the options name (the password from the environment variable `--password-env` names). */
function credentialsOf(context: CliContext): AutodiscoverCredentials | undefined {
  const { username, auth } = context.args.values;
  const passwordEnv = context.args.values["password-env"];
  if (auth !== undefined && auth !== "basic" && auth !== "ntlm") throw new CliError(`--auth ${String(auth)}: use basic or ntlm`, EXIT.usage);
  if (typeof passwordEnv === "string" && typeof username !== "string") throw new CliError("--password-env needs --username", EXIT.usage);
  if (typeof username !== "string") return undefined;
  if (typeof passwordEnv !== "string") throw new CliError("--username needs --password-env VAR (the environment variable holding the password)", EXIT.usage);
  const password = context.env[passwordEnv];
  if (!password) throw new CliError(`--password-env: the environment variable ${passwordEnv} is not set`, EXIT.usage);
  return { scheme: auth === "ntlm" ? "ntlm" : "basic", username, password };
}

/** An attempt as JSON, with whether the host was contacted at all. */
function attemptJson(a: AutodiscoverAttempt): Record<string, unknown> {
  return { url: a.url, kind: a.kind, outcome: a.outcome, detail: a.detail, contacted: contacted(a) };
}

function resultJson(result: AutodiscoverResult): Record<string, unknown> {
  const { attempts: _attempts, ...rest } = result;
  return { ...rest, expiresAt: new Date(result.expiresAt).toISOString() };
}

/** Runs `ewsdav discover`. */
export async function run(context: CliContext): Promise<number> {
  const account = context.args.values.account;
  if (typeof account === "string") {
    if (context.args.positionals.length > 0) throw new CliError("give an ADDRESS (autodiscover) or --account NAME (a Graph account's collections), not both", EXIT.usage);
    // Loaded only here: the Graph client and side are not needed for autodiscover.
    return (await import("./graph.js")).discoverGraph(context, account);
  }
  const address = context.args.positionals[0];
  if (address === undefined) throw new CliError("give the e-mail ADDRESS to autodiscover, or --account NAME to list a Graph account's collections", EXIT.usage);
  const network = autodiscoverOptionsFromArgs(context.args.values);
  const credentials = credentialsOf(context);
  const approved = new Set(
    (Array.isArray(context.args.values.approve) ? context.args.values.approve : []).filter((h): h is string => typeof h === "string").map((h) => h.toLowerCase().replace(/\.$/, "")),
  );
  const approvals: string[] = [];
  let result: AutodiscoverResult;
  try {
    result = await runAutodiscover(address, network, {
      credentials,
      approve: ({ url, reason }) => {
        const ok = approved.has(url.hostname.toLowerCase());
        if (ok) approvals.push(`approved ${url.hostname} (reached by ${reason}) as --approve allows`);
        return ok;
      },
      signal: context.signal,
    });
  } catch (error) {
    if (!isAutodiscoverError(error)) throw error;
    const code = exitCodeOfAutodiscover(error);
    for (const a of error.attempts) context.event({ type: "attempt", ...attemptJson(a) });
    context.event({ type: "failed", code: error.code, message: error.message, exitCode: code });
    context.result({ ok: false, address, error: { code: error.code, message: error.message }, exitCode: code, attempts: error.attempts.map(attemptJson) });
    context.error(error.message);
    if (context.output === "text" && context.verbosity !== "quiet") {
      context.stderr.write(`${error.attempts.length ? "Hosts tried and refused:\n" : ""}${attemptLines(error.attempts).map((l) => `  ${l}\n`).join("")}`);
      if (code === EXIT.auth && credentials) context.stderr.write("A server refused the credentials: check --username and the password (autodiscover often wants user@domain or DOMAIN\\user).\n");
      else if (code === EXIT.auth) context.stderr.write("A server wants credentials for autodiscover: give --username and --password-env VAR.\n");
      else if (code === EXIT.connection && !credentials && error.attempts.some((a) => a.outcome === "http-error")) {
        context.stderr.write("Servers answered but gave nothing without credentials: try --username and --password-env.\n");
      }
    }
    return code;
  }
  for (const line of approvals) context.detail(line);
  for (const a of result.attempts) context.event({ type: "attempt", ...attemptJson(a) });
  context.event({ type: "found", ...resultJson(result) });
  context.result({ ok: true, address, result: resultJson(result), attempts: result.attempts.map(attemptJson) });
  for (const line of resultLines(result)) context.say(line);
  context.say("Hosts tried:");
  for (const line of attemptLines(result.attempts)) context.say(`  ${line}`);
  return EXIT.ok;
}
