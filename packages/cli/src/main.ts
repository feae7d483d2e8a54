/**
 * The `ewsdav` command's entry point: finds the command, parses its options, and loads and runs
 * only that command (so `ewsdav --version` and `--help` load nothing else). The exit code says
 * how it went (`exit-codes.ts`).
 */
import { createRequire } from "node:module";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { createContext, type CliStreams } from "./cli/context.js";
import { commandHelp, helpWidth, mainHelp } from "./cli/help.js";
import { registerCommands } from "./cli/registry.js";
import { GLOBAL_OPTIONS, type CommandSpec } from "./cli/spec.js";
import { COMMANDS } from "./commands/index.js";
import { EXIT } from "./exit-codes.js";

const VERSION = (createRequire(import.meta.url)("../package.json") as { version: string }).version;

/** Finds the command named at the start of `argv` (one or two words); the rest are its arguments. */
function findCommand(argv: readonly string[]): { spec: CommandSpec; rest: string[] } | undefined {
  for (const spec of COMMANDS) {
    const words = spec.name.split(" ");
    if (words.every((word, i) => argv[i] === word)) return { spec, rest: argv.slice(words.length) };
  }
  return undefined;
}

/** Runs `ewsdav` with `argv` (without the node and script paths); resolves with the exit code. */
export async function main(argv: readonly string[], streams: CliStreams, signal: AbortSignal): Promise<number> {
  const first = argv[0];
  const width = helpWidth(streams.stdout);
  if (first === "--version" || first === "-V") {
    streams.stdout.write(`${VERSION}\n`);
    return EXIT.ok;
  }
  if (first === undefined || first === "--help" || first === "-h" || first === "help") {
    const named = first === "help" ? findCommand(argv.slice(1)) : undefined;
    streams.stdout.write(named ? commandHelp(named.spec, width) : mainHelp(COMMANDS, VERSION, width));
    return first === undefined ? EXIT.usage : EXIT.ok;
  }
  const found = findCommand(argv);
  if (!found && COMMANDS.some((c) => c.name.startsWith(`${first} `))) {
    // The first word of sub-commands (`ewsdav config`): name them.
    const subs = COMMANDS.filter((c) => c.name.startsWith(`${first} `));
    streams.stderr.write(`error: ewsdav ${first} needs a sub-command: ${subs.map((c) => `\`ewsdav ${c.name}\` (${c.summary})`).join(", ")}\n`);
    return EXIT.usage;
  }
  if (!found) {
    streams.stderr.write(`error: no command "${first}"; \`ewsdav --help\` lists them\n`);
    return EXIT.usage;
  }
  const { spec, rest } = found;
  const options: ParseArgsConfig["options"] = {};
  for (const [name, o] of Object.entries({ ...GLOBAL_OPTIONS, ...spec.options })) {
    options[name] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...rest], options, allowPositionals: true, strict: true });
  } catch (error) {
    streams.stderr.write(`error: ${(error as Error).message}\n\n${commandHelp(spec, helpWidth(streams.stderr))}`);
    return EXIT.usage;
  }
  if (parsed.values.help) {
    streams.stdout.write(commandHelp(spec, width));
    return EXIT.ok;
  }
  const positionals = spec.positionals ?? [];
  const required = positionals.filter((p) => p.required).length;
  if (parsed.positionals.length < required || (!positionals.some((p) => p.variadic) && parsed.positionals.length > positionals.length)) {
    streams.stderr.write(`error: ewsdav ${spec.name} takes ${positionals.length ? positionals.map((p) => p.name).join(" ") : "no arguments"}\n\n${commandHelp(spec, helpWidth(streams.stderr))}`);
    return EXIT.usage;
  }
  if (parsed.values.json && parsed.values["json-lines"]) {
    streams.stderr.write("error: --json and --json-lines exclude each other\n");
    return EXIT.usage;
  }
  registerCommands(COMMANDS);
  const context = createContext(spec.name, { values: parsed.values, positionals: parsed.positionals }, streams, signal);
  try {
    const { run } = await spec.load();
    return await run(context);
  } catch (error) {
    const { exitCodeOf, messageOf } = await import("./cli/failure.js");
    context.error(messageOf(error));
    if (context.verbosity === "verbose" && error instanceof Error && error.stack) streams.stderr.write(`${error.stack}\n`);
    return exitCodeOf(error);
  }
}

/** Runs `ewsdav` as the process (bin/ewsdav.js calls it): the first Ctrl-C aborts the command's signal, a second one exits at once. */
export async function start(): Promise<never> {
  const stop = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    if (stop.signal.aborted) process.exit(130);
    stop.abort(new Error(`stopped by ${name}`));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const code = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd() }, stop.signal);
  process.exit(code);
}
