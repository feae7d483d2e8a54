/**
 * Runs the checks of `ewsdav doctor`: per account of the config (or those asked for) its steps in
 * order — DNS, TLS, clock, then the account kind's own (EWS: sign-in, version, folders, push; Graph:
 * sign-in, collections, a read of each, change detection; DAV: sign-in, collections,
 * sync-collection; vdir: the folder) — each bounded by a timeout and skipped
 * when a check it needs failed; the state file's checks beside them. Accounts run concurrently, a
 * few at a time. Each result is passed on as it completes.
 */
import { accessSync, constants, existsSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { redactCredentials, redactUrl } from "@ewsdav/http";
import type { SyncConfig } from "../config.js";
import { categoryOf, exitCodeOfChecks, failed, formatSeconds, ok, runStep, skipped, StepTimeoutError, type CheckOutcome, type CheckResult, type Step, type StepPlan } from "./check.js";
import { davSteps } from "./dav.js";
import { configuredUrl, ewsSteps } from "./ews.js";
import { graphSteps } from "./graph.js";
import { graphBaseUrl } from "../accounts-graph.js";
import { checkClock, checkConnection, checkDns, endpointOf, type Endpoint } from "./network.js";
import { stateSteps } from "./state-file.js";
import type { ExitCode } from "../exit-codes.js";

/** The checks of one account (or of the state file), in the order they ran. */
export interface CheckGroup {
  /** The account's name, or `null` for the state file. */
  account: string | null;
  /** `ews`, `graph`, `dav`, `vdir`, or `state`. */
  type: string;
  /** The URL (credentials removed) or path checked. */
  target: string;
  checks: CheckResult[];
  /** Warnings given while opening the account (e.g. credentials over plain http). */
  notes: string[];
}

/** What `ewsdav doctor` found. */
export interface DoctorReport {
  groups: CheckGroup[];
  counts: Record<CheckResult["verdict"], number>;
  /** 0 when nothing failed; else the most serious failure's (config 2, auth 3, connection 4, other 1). */
  exitCode: ExitCode;
}

/** Options of {@link runDoctor}. */
export interface DoctorOptions {
  /** Only these accounts (default: all). */
  accounts?: readonly string[];
  /** Time each check may take. */
  timeoutMs: number;
  /** Accounts checked at once. */
  concurrency: number;
  /** Aborts the run (Ctrl-C). */
  signal: AbortSignal;
  /** Receives each check's result as it completes. */
  onCheck?: (result: CheckResult) => void;
  /** Receives each group when all its checks are done. */
  onGroup?: (group: CheckGroup) => void;
}

/** What to do about a check that threw instead of returning a verdict. */
function thrownOutcome(error: unknown, timeoutMs: number): CheckOutcome {
  if (error instanceof StepTimeoutError) {
    return failed("connection", `no answer within ${formatSeconds(timeoutMs)}`, "check that the host is up and that no firewall drops the connection (or allow more time with --timeout)");
  }
  const category = categoryOf(error);
  const message = error instanceof Error ? error.message : String(error);
  const advice =
    category === "auth"
      ? "check the account's credentials in the config"
      : category === "connection"
        ? "check that the server is up and reachable from this machine"
        : category === "config"
          ? "fix the config as the message says"
          : "run with --verbose and report it if it persists";
  return failed(category, message, advice);
}

/** Runs one group's steps in order, passing each result on. */
async function runGroup(group: CheckGroup, plan: StepPlan, options: DoctorOptions): Promise<void> {
  const byId = new Map<string, CheckResult>();
  /** For a skipped check: the failed check that kept it (through others) from running. */
  const rootFailure = new Map<string, CheckResult>();
  try {
    for (const step of plan.steps) {
      const blocker = step.after.map((id) => byId.get(id)).find((r) => r && (r.verdict === "failed" || r.verdict === "skipped"));
      const root = blocker && (rootFailure.get(blocker.id) ?? blocker);
      let outcome: CheckOutcome;
      if (root) {
        rootFailure.set(step.id, root);
        outcome = skipped(`not run because ${root.title} failed`, `fix ${root.title} first`);
      } else {
        try {
          outcome = await runStep(step.title, options.timeoutMs, options.signal, step.run);
        } catch (error) {
          if (options.signal.aborted) throw error;
          outcome = thrownOutcome(error, options.timeoutMs);
        }
      }
      const result: CheckResult = {
        account: group.account,
        id: step.id,
        title: step.title,
        ...outcome,
        summary: redactCredentials(outcome.summary),
      };
      byId.set(step.id, result);
      group.checks.push(result);
      options.onCheck?.(result);
    }
  } finally {
    await plan.close();
  }
}

/** The DNS, TLS and clock steps of a server account. */
function networkSteps(url: string | undefined, endpointUrl: () => Promise<string>, where: string, allowInsecureHttp: boolean): Step[] {
  // An account without a URL finds it by autodiscover (https) when the first step asks.
  let endpoint: Endpoint | undefined;
  const known = async () => (endpoint ??= endpointOf(url ?? (await endpointUrl())));
  return [
    { id: "dns", title: "DNS", after: [], run: async () => checkDns(await known(), where) },
    { id: "tls", title: url?.startsWith("http:") ? "Connection" : "TLS", after: ["dns"], run: async (signal) => checkConnection(await known(), { allowInsecureHttp, where, signal }) },
    { id: "clock", title: "Clock", after: ["tls"], run: async (signal) => checkClock(await known(), signal) },
  ];
}

/** The check of a vdir account's folder: it exists and is writable, or can be created. */
function localFolderStep(path: string): Step {
  return {
    id: "local-folder",
    title: "Folder",
    after: [],
    run: async () => {
      if (existsSync(path)) {
        if (!statSync(path).isDirectory()) return failed("config", `${path} is not a folder`, "point the account's path at a folder");
        try {
          accessSync(path, constants.W_OK | constants.X_OK);
        } catch {
          return failed("config", `${path} is not writable by this user`, `make ${path} writable, or point the account's path elsewhere`);
        }
        return ok(`${path} exists and is writable`);
      }
      let parent = dirname(path);
      while (!existsSync(parent) && dirname(parent) !== parent) parent = dirname(parent);
      try {
        accessSync(parent, constants.W_OK | constants.X_OK);
      } catch {
        return failed("config", `${path} does not exist and ${parent} is not writable`, `create ${path}, or point the account's path at a folder you can write to`);
      }
      return ok(`${path} does not exist yet; the first sync creates it`);
    },
  };
}

/** The plan of one account. */
function accountPlan(config: SyncConfig, name: string, group: CheckGroup): StepPlan {
  const account = config.accounts[name]!;
  const warn = (message: string) => void group.notes.push(redactCredentials(message));
  if (account.type === "vdir") return { steps: [localFolderStep(account.path)], close: async () => undefined };
  if (account.type === "graph") {
    const url = graphBaseUrl(account);
    const own = graphSteps({ name, account, config, warn });
    return { steps: [...networkSteps(url, async () => url, `accounts.${name}.baseUrl`, account.allowInsecureHttp), ...own.steps], close: own.close };
  }
  const where = `accounts.${name}.url`;
  const url = configuredUrl(account);
  const own = account.type === "ews" ? ewsSteps({ name, account, config, warn }) : { ...davSteps({ name, account, config, warn }), endpointUrl: async () => account.url };
  return { steps: [...networkSteps(url, own.endpointUrl, where, account.allowInsecureHttp), ...own.steps], close: own.close };
}

/** Runs every check; resolves when all are done (or rejects when `signal` aborts). */
export async function runDoctor(config: SyncConfig, options: DoctorOptions): Promise<DoctorReport> {
  const names = options.accounts?.length ? [...options.accounts] : Object.keys(config.accounts);
  const groups: CheckGroup[] = names.map((name) => {
    const account = config.accounts[name]!;
    const url = account.type === "vdir" ? undefined : account.type === "graph" ? graphBaseUrl(account) : configuredUrl(account);
    const target = account.type === "vdir" ? account.path : url ? redactUrl(url) : "autodiscover";
    return { account: name, type: account.type, target, checks: [], notes: [] };
  });
  const stateGroup: CheckGroup = { account: null, type: "state", target: config.state, checks: [], notes: [] };
  const jobs: Array<() => Promise<void>> = [
    ...groups.map((group) => () => runGroup(group, accountPlan(config, group.account!, group), options).then(() => options.onGroup?.(group))),
    () => runGroup(stateGroup, { steps: stateSteps(config.state), close: async () => undefined }, options).then(() => options.onGroup?.(stateGroup)),
  ];
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) await jobs[next++]!();
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, jobs.length)) }, worker));
  const all = [...groups, stateGroup];
  const checks = all.flatMap((g) => g.checks);
  const counts = { ok: 0, warning: 0, failed: 0, skipped: 0 };
  for (const c of checks) counts[c.verdict]++;
  return { groups: all, counts, exitCode: exitCodeOfChecks(checks) };
}
