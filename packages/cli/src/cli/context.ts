/**
 * What a command runs with: its parsed arguments, where to print, the output mode
 * (`--json`, `--json-lines`, `--quiet`, `--verbose`), the config path and a signal that aborts on
 * Ctrl-C. Commands print through it, never through `console`, so tests can run them in-process
 * and the modes hold everywhere.
 */
import { homedir } from "node:os";
import { join, resolve } from "node:path";

/** The parsed arguments a command runs with. */
export interface ParsedArgs {
  /** Options by long name (global options included). */
  values: Record<string, string | boolean | Array<string | boolean> | undefined>;
  positionals: string[];
}

/** How results are printed. */
export type OutputMode = "text" | "json" | "json-lines";

/** How much is printed in text mode. */
export type Verbosity = "quiet" | "normal" | "verbose";

/** The streams and environment of a run (the process's, or a test's). */
export interface CliStreams {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** The context of one command run. */
export interface CliContext extends CliStreams {
  /** The command's name as typed (`sync`, `config schema`). */
  command: string;
  args: ParsedArgs;
  output: OutputMode;
  verbosity: Verbosity;
  /** The config file path (resolved; it may not exist yet, e.g. for `init`). */
  configPath: string;
  /** Whether the user can be asked questions and shown a progress bar: stdin and stdout are terminals and the output is text. */
  interactive: boolean;
  /** Aborted on the first Ctrl-C (SIGINT) or SIGTERM. */
  signal: AbortSignal;
  /** A result line in text mode (not with `--quiet`, nothing in the JSON modes). */
  say(line: string): void;
  /** A detail line, only with `--verbose` (on stderr, so that it never mixes into results). */
  detail(line: string): void;
  /** A warning on stderr (not with `--quiet`). */
  warn(line: string): void;
  /** An error on stderr (always). */
  error(line: string): void;
  /** With `--json-lines`, one event as a JSON line on stdout; otherwise nothing. */
  event(event: Record<string, unknown>): void;
  /** With `--json`, the one JSON document on stdout; otherwise nothing. */
  result(document: unknown): void;
}

/** The default config path: `$EWSDAV_CONFIG`, else `$XDG_CONFIG_HOME/ewsdav/config.json` (`~/.config/…`). */
export function defaultConfigPath(env: NodeJS.ProcessEnv): string {
  if (env.EWSDAV_CONFIG) return resolve(env.EWSDAV_CONFIG);
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith("/") ? env.XDG_CONFIG_HOME : join(env.HOME ?? homedir(), ".config");
  return join(base, "ewsdav", "config.json");
}

/** Builds the context of a command run. */
export function createContext(command: string, args: ParsedArgs, streams: CliStreams, signal: AbortSignal): CliContext {
  const output: OutputMode = args.values["json-lines"] ? "json-lines" : args.values.json ? "json" : "text";
  const verbosity: Verbosity = args.values.quiet ? "quiet" : args.values.verbose ? "verbose" : "normal";
  const configValue = args.values.config;
  const configPath = typeof configValue === "string" ? resolve(streams.cwd, configValue) : defaultConfigPath(streams.env);
  const line = (stream: NodeJS.WritableStream, text: string) => void stream.write(`${text}\n`);
  return {
    ...streams,
    command,
    args,
    output,
    verbosity,
    configPath,
    interactive: output === "text" && Boolean(streams.stdin.isTTY) && Boolean(streams.stdout.isTTY),
    signal,
    say: (text) => {
      if (output === "text" && verbosity !== "quiet") line(streams.stdout, text);
    },
    detail: (text) => {
      if (verbosity === "verbose") line(streams.stderr, text);
    },
    warn: (text) => {
      if (verbosity !== "quiet") line(streams.stderr, `warning: ${text}`);
    },
    error: (text) => line(streams.stderr, `error: ${text}`),
    event: (event) => {
      if (output === "json-lines") line(streams.stdout, JSON.stringify(event));
    },
    result: (document) => {
      if (output === "json") line(streams.stdout, JSON.stringify(document, null, 2));
    },
  };
}
