/**
 * What a command is, as `main.ts` sees it: its name, its help (summary, usage, options, examples)
 * and a loader for its implementation. Specs are plain data, so `ewsdav --help`, per-command help
 * and shell completion read them without loading any command's code.
 */
import type { CliContext } from "./context.js";
export type { ParsedArgs } from "./context.js";

/** One option of a command (a `--long` flag, with an optional one-letter alias). */
export interface OptionSpec {
  /** `string` takes a value (`--pair ID`), `boolean` does not. */
  type: "string" | "boolean";
  /** One-letter alias (`-c`). */
  short?: string;
  /** May be given more than once (values collected in order). */
  multiple?: boolean;
  /** The value's name in help (`ID`, `FILE`). */
  valueName?: string;
  /** One line for the help. */
  description: string;
  /** Values shell completion offers (e.g. `["bash", "zsh"]`). */
  choices?: readonly string[];
}

/** A positional argument. */
export interface PositionalSpec {
  name: string;
  description: string;
  required?: boolean;
  /** Takes every remaining argument. */
  variadic?: boolean;
  /** What shell completion offers for it. */
  complete?: "file" | readonly string[];
}

/** A command's implementation: returns the process exit code (see `exit-codes.ts`). */
export type CommandRun = (context: CliContext) => Promise<number>;

/** A command of `ewsdav`. */
export interface CommandSpec {
  /** The word after `ewsdav` (may hold a space for a sub-command, e.g. `config schema`). */
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Paragraphs for `ewsdav <command> --help`. */
  description: string;
  options: Record<string, OptionSpec>;
  positionals?: readonly PositionalSpec[];
  /** Examples for the help: the command line and what it does. */
  examples: ReadonlyArray<{ command: string; description: string }>;
  /** Loads the implementation (a dynamic import, so that nothing else is loaded). */
  load: () => Promise<{ run: CommandRun }>;
}

/** Options every command takes. */
export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  config: { type: "string", short: "c", valueName: "FILE", description: "the config file (default: $EWSDAV_CONFIG, else ~/.config/ewsdav/config.json)" },
  json: { type: "boolean", description: "print one JSON document on stdout (for scripts)" },
  "json-lines": { type: "boolean", description: "print one JSON object per event on stdout (for scripts)" },
  quiet: { type: "boolean", short: "q", description: "print only errors" },
  verbose: { type: "boolean", short: "v", description: "print more detail" },
  help: { type: "boolean", short: "h", description: "show this help" },
};
