/**
 * `ewsdav init`: interactive setup. Asks for the Exchange account (exchange.ts: EWS, or Microsoft
 * Graph through graph.ts), the DAV account (dav.ts) and the pairs (pairs.ts), then where the
 * passwords (and a Graph app-only account's client secret) go — a 0600 file per account beside
 * the config (`passwordFile`) or an environment variable (`passwordEnv`) — and the state file;
 * checks the whole config against the schema, writes the secrets files and the config (which never
 * holds a password; its folder made 0700 when new), and says what to run next. An existing config
 * is never replaced without `--force`. Questions go to stdout (to stderr with `--json` or
 * `--json-lines`, so that stdout carries only the result); nothing is written before the last
 * question is answered.
 */
import { existsSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { defaultConfigPath, type CliContext } from "../../cli/context.js";
import { loadConfig, syncConfigSchema } from "../../config.js";
import { CliError, EXIT } from "../../exit-codes.js";
import { writePrivateFile } from "../../private-files.js";
import { createPrompter, type Prompter } from "../../prompt.js";
import { davAccount } from "./dav.js";
import type { DraftAccount } from "./draft.js";
import { exchangeAccount } from "./exchange.js";
import { graphUrlOf } from "./graph.js";
import { askPairs, type PairSummary } from "./pairs.js";

/** Where one account's password (or client secret) went. */
export interface SecretPlacement {
  account: string;
  /** What the secret is: "password", or "client secret" (a Graph app-only account). */
  secret: string;
  /** The 0600 file (relative to the config's folder), or the environment variable. */
  passwordFile?: string;
  passwordEnv?: string;
}

/** Asks where each account's password goes, and puts the answer into the account. */
async function placeSecrets(prompter: Prompter, accounts: DraftAccount[]): Promise<SecretPlacement[]> {
  const needing = accounts.filter((a) => a.secret !== undefined && a.secretAt !== "none");
  if (needing.length === 0) return [];
  const labels = [...new Set(needing.map((a) => a.secretFields?.label ?? "password"))].map((l) => `${l}s`);
  const where = await prompter.choose(
    `Where should ewsdav keep the ${labels.join(" and ")}?`,
    [
      { value: "file", label: "file — a file per account beside the config (secrets/ACCOUNT, readable by you only)" },
      { value: "env", label: "env  — environment variables you set before running ewsdav" },
    ],
    { default: "file" },
  );
  const placements: SecretPlacement[] = [];
  for (const account of needing) {
    const holder = account.secretAt === "account" ? account.raw : (account.raw.auth as Record<string, unknown>);
    const fields = account.secretFields ?? { file: "passwordFile", env: "passwordEnv", label: "password" };
    if (where === "file") {
      const file = join("secrets", account.name);
      holder[fields.file] = file;
      placements.push({ account: account.name, secret: fields.label, passwordFile: file });
    } else {
      const variable = await prompter.ask(`Environment variable for the ${account.name} ${fields.label}:`, {
        default: `EWSDAV_${account.name.toUpperCase().replace(/[^A-Z0-9]+/g, "_")}_${fields.label.toUpperCase().replace(/[^A-Z0-9]+/g, "_")}`,
        validate: (a) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(a) ? undefined : "letters, digits and _, not starting with a digit"),
      });
      holder[fields.env] = variable;
      placements.push({ account: account.name, secret: fields.label, passwordEnv: variable });
    }
  }
  return placements;
}

/** Runs `ewsdav init`. */
export async function run(context: CliContext): Promise<number> {
  const configPath = context.configPath;
  const configDir = dirname(configPath);
  const force = context.args.values.force === true;
  if (existsSync(configPath) && !force) {
    throw new CliError(`${configPath} exists already; ewsdav init does not replace it (use --force to start over, or --config to write another file)`, EXIT.usage);
  }
  const questions = context.output === "text" ? context.stdout : context.stderr;
  const prompter = createPrompter({ input: context.stdin, output: questions, signal: context.signal });
  try {
    prompter.note(`Setting up ${configPath}. Nothing is written until the last question is answered.`);
    const exchange = await exchangeAccount(context, prompter, "exchange", configDir);
    const dav = await davAccount(context, prompter, "dav");
    const pairs = await askPairs(prompter, exchange, dav);
    if (pairs.length === 0) throw new CliError("no folder was chosen, so there is nothing to sync; nothing was written", EXIT.usage);
    const secrets = await placeSecrets(prompter, [exchange, dav]);
    const state = await prompter.ask("State file (where ewsdav remembers what it synced; relative to the config's folder):", { default: "state.db" });
    const config = {
      state,
      accounts: { [exchange.name]: exchange.raw, [dav.name]: dav.raw },
      pairs: pairs.map((p) => p.pair),
    };
    const checked = syncConfigSchema.safeParse(config);
    if (!checked.success) {
      // E.g. a config schema that does not know passwordFile yet: say which field, write nothing.
      throw new CliError(`the config would not be valid, so nothing was written:\n${checked.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n")}`, EXIT.usage);
    }
    if (existsSync(configPath) && !force) throw new CliError(`${configPath} appeared while init ran; nothing was written`, EXIT.usage);
    for (const placement of secrets) {
      if (!placement.passwordFile) continue;
      const account = [exchange, dav].find((a) => a.name === placement.account)!;
      writePrivateFile(resolve(configDir, placement.passwordFile), `${account.secret}\n`);
    }
    writePrivateFile(configPath, `${JSON.stringify(config, null, 2)}\n`);
    // Read back as `ewsdav sync` will.
    loadConfig(configPath, { warn: context.warn });
    report(context, { configPath, exchange, dav, pairs, secrets, state });
    return EXIT.ok;
  } finally {
    prompter.close();
  }
}

/** Prints what was written and what to run next (text), or the same as one JSON document. */
function report(
  context: CliContext,
  r: { configPath: string; exchange: DraftAccount & { email: string }; dav: DraftAccount; pairs: PairSummary[]; secrets: SecretPlacement[]; state: string },
): void {
  const configArg = r.configPath === defaultConfigPath(context.env) ? "" : ` --config ${shellWord(relativeOrAbsolute(context.cwd, r.configPath))}`;
  const next = [`ewsdav sync --dry-run${configArg}`, `ewsdav sync${configArg}`];
  const graph = r.exchange.raw.type === "graph";
  const envs = r.secrets.filter((s) => s.passwordEnv).map((s) => s.passwordEnv!);
  const document = {
    config: r.configPath,
    state: resolve(dirname(r.configPath), r.state),
    accounts: {
      [r.exchange.name]: graph
        ? { type: "graph", url: graphUrlOf(r.exchange.raw), mailbox: r.exchange.email, auth: (r.exchange.raw.auth as { flow: string }).flow }
        : { type: "ews", url: r.exchange.raw.url, mailbox: r.exchange.email, auth: (r.exchange.raw.auth as { type: string }).type },
      [r.dav.name]: { type: "dav", url: r.dav.raw.url, username: r.dav.raw.username },
    },
    pairs: r.pairs.map((p) => ({ ...p.pair, folderName: p.folderName, collectionName: p.collectionName, newCollection: p.created })),
    secrets: r.secrets.map((s) => (s.passwordFile ? { account: s.account, secret: s.secret, passwordFile: resolve(dirname(r.configPath), s.passwordFile) } : s)),
    next,
  };
  context.result(document);
  context.event({ type: "written", ...document });
  context.say(`Wrote ${r.configPath}`);
  context.say(graph ? `  ${r.exchange.name}: Microsoft Graph ${graphUrlOf(r.exchange.raw)} for ${r.exchange.email}` : `  ${r.exchange.name}: Exchange ${String(r.exchange.raw.url)} as ${r.exchange.email}`);
  context.say(`  ${r.dav.name}: DAV ${String(r.dav.raw.url)} as ${String(r.dav.raw.username)}`);
  for (const p of r.pairs) context.say(`  pair ${p.pair.id}: Exchange "${p.folderName}" ↔ ${p.created ? `new collection "${p.collectionName}"` : `"${p.collectionName}"`}`);
  for (const s of r.secrets) {
    context.say(s.passwordFile ? `  ${s.account} ${s.secret}: ${resolve(dirname(r.configPath), s.passwordFile)} (readable by you only)` : `  ${s.account} ${s.secret}: from the environment variable ${s.passwordEnv}`);
  }
  if (envs.length) context.say(`Set ${envs.join(" and ")} before running ewsdav (e.g. in your shell profile or the service's environment).`);
  context.say(`Next: ${next[0]}   (shows what the first sync would do), then ${next[1]}`);
}

function relativeOrAbsolute(cwd: string, path: string): string {
  const rel = relative(cwd, path);
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : path;
}

function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
