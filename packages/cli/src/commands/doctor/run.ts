/**
 * `ewsdav doctor`: checks each account of the config (network, TLS, sign-in, server features,
 * clock) and the state file, and says what to do about each check that is not ok. Text: a block
 * per account as it finishes, in config order; `--json`: one document; `--json-lines`: one
 * object per check as it completes, then `{"type":"done"}`.
 */
import type { CliContext } from "../../cli/context.js";
import { loadConfig } from "../../config.js";
import { runDoctor, type CheckGroup } from "../../doctor/doctor.js";
import { groupLines, summaryLine } from "../../doctor/render.js";
import { CliError, EXIT } from "../../exit-codes.js";

/** Seconds each check may take unless `--timeout` says otherwise. */
const DEFAULT_TIMEOUT_SECONDS = 10;
/** Accounts checked at once. */
const CONCURRENCY = 4;

/** Reads `--timeout`: a positive number of seconds. */
function timeoutOf(context: CliContext): number {
  const value = context.args.values.timeout;
  if (value === undefined) return DEFAULT_TIMEOUT_SECONDS * 1000;
  const seconds = Number(value);
  if (typeof value !== "string" || !Number.isFinite(seconds) || seconds <= 0 || seconds > 600) {
    throw new CliError(`--timeout: "${String(value)}" is not a number of seconds from 0 to 600`, EXIT.usage);
  }
  return seconds * 1000;
}

/** Runs `ewsdav doctor`. */
export async function run(context: CliContext): Promise<number> {
  const timeoutMs = timeoutOf(context);
  const config = loadConfig(context.configPath, { warn: context.warn });
  const asked = (context.args.values.account as string[] | undefined) ?? [];
  for (const name of asked) {
    if (!config.accounts[name]) throw new CliError(`--account: the config has no account "${name}" (it has ${Object.keys(config.accounts).join(", ")})`, EXIT.usage);
  }
  const terminal = Boolean(context.stdout.isTTY);
  // Text: blocks in config order, each printed once it and all before it are done.
  const order: Array<CheckGroup | undefined> = [];
  const names = asked.length > 0 ? asked : Object.keys(config.accounts);
  const slot = (group: CheckGroup) => (group.account === null ? names.length : names.indexOf(group.account));
  let printed = 0;
  const report = await runDoctor(config, {
    accounts: asked,
    timeoutMs,
    concurrency: CONCURRENCY,
    signal: context.signal,
    onCheck: (result) => {
      context.event({ type: "check", ...result });
      if (result.details) context.detail(`${result.account ?? "state file"}: ${result.title}: ${JSON.stringify(result.details)}`);
      if (result.verdict === "failed" && context.verbosity === "quiet") context.error(`${result.account ?? "state file"}: ${result.title}: ${result.summary} → ${result.advice}`);
    },
    onGroup: (group) => {
      order[slot(group)] = group;
      while (order[printed]) {
        for (const line of groupLines(order[printed]!, terminal)) context.say(line);
        printed++;
      }
    },
  });
  context.say(summaryLine(report));
  context.event({ type: "done", exitCode: report.exitCode, counts: report.counts });
  context.result({
    ok: report.counts.failed === 0,
    exitCode: report.exitCode,
    counts: report.counts,
    accounts: report.groups.filter((g) => g.account !== null).map((g) => ({ name: g.account, type: g.type, target: g.target, notes: g.notes, checks: g.checks })),
    state: report.groups.filter((g) => g.account === null).map((g) => ({ path: g.target, checks: g.checks }))[0],
  });
  return report.exitCode;
}
