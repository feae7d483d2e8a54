/**
 * The help texts: the command list (`ewsdav --help`) and one command's (`ewsdav sync --help`),
 * wrapped to the terminal's width (80 columns when the output is not a terminal). Words are never
 * split; a word longer than the line (a URL, a command line in an example) stays whole.
 */
import { EXIT_CODE_HELP } from "../exit-codes.js";
import { GLOBAL_OPTIONS, type CommandSpec, type OptionSpec } from "./spec.js";

/** The width help is wrapped to when the output is not a terminal. */
export const DEFAULT_HELP_WIDTH = 80;

/** The width to wrap help to on a stream: its columns on a terminal (at least 40), else {@link DEFAULT_HELP_WIDTH}. */
export function helpWidth(stream: { isTTY?: boolean; columns?: number }): number {
  return stream.isTTY && stream.columns ? Math.max(40, stream.columns) : DEFAULT_HELP_WIDTH;
}

/**
 * Wraps `text` to `width` columns: the first line starts after `first` characters already on it,
 * the next ones are indented by `indent` spaces. Paragraphs (blank lines) are kept.
 */
export function wrap(text: string, width: number, indent = 0, first = indent): string {
  return text
    .split(/\n\s*\n/)
    .map((paragraph, p) => {
      const lines: string[] = [];
      let line = "";
      let used = p === 0 ? first : indent;
      for (const word of paragraph.split(/\s+/).filter(Boolean)) {
        if (line !== "" && used + line.length + 1 + word.length > width) {
          lines.push(line);
          line = "";
          used = indent;
        }
        line = line === "" ? word : `${line} ${word}`;
      }
      lines.push(line);
      return lines.map((l, i) => (i === 0 && p === 0 ? l : `${" ".repeat(indent)}${l}`)).join("\n");
    })
    .join(`\n\n`);
}

/** Rows of two columns: the left ones padded to one width, the right ones wrapped beside them. */
function table(rows: ReadonlyArray<readonly [string, string]>, width: number): string[] {
  const left = Math.min(Math.max(...rows.map(([l]) => l.length)), 32);
  return rows.map(([l, r]) => {
    if (l.length > left) return `  ${l}\n${" ".repeat(left + 4)}${wrap(r, width, left + 4)}`;
    return `  ${l.padEnd(left)}  ${wrap(r, width, left + 4)}`;
  });
}

function optionRows(options: Record<string, OptionSpec>): Array<readonly [string, string]> {
  return Object.entries(options).map(([name, o]) => {
    const value = o.type === "string" ? ` ${o.valueName ?? "VALUE"}` : "";
    const choices = o.choices?.length ? ` (${o.choices.join(", ")})` : "";
    return [`${o.short ? `-${o.short}, ` : "    "}--${name}${value}`, `${o.description}${choices}`] as const;
  });
}

/** `ewsdav --help`. */
export function mainHelp(commands: readonly CommandSpec[], version: string, width = DEFAULT_HELP_WIDTH): string {
  return [
    wrap(`ewsdav ${version}: two-way sync of contacts, calendars and tasks between CalDAV/CardDAV and Exchange`, width),
    "",
    "Usage: ewsdav <command> [options]",
    "",
    "Commands:",
    ...table(commands.map((c) => [c.name, c.summary] as const), width),
    "",
    "Options of every command:",
    ...table([...optionRows(GLOBAL_OPTIONS), ["-V, --version", "print the version"]], width),
    "",
    "Exit codes:",
    ...table(EXIT_CODE_HELP.map(([code, text]) => [String(code), text] as const), width),
    "",
    wrap("Start with `ewsdav init`; `ewsdav <command> --help` shows a command's options and examples; `ewsdav completion bash|zsh` prints shell completion.", width),
    "",
  ].join("\n");
}

/** The usage line of a command. */
export function usageLine(spec: CommandSpec): string {
  const positionals = (spec.positionals ?? []).map((p) => (p.required ? `<${p.name}${p.variadic ? "…" : ""}>` : `[${p.name}${p.variadic ? "…" : ""}]`));
  return `Usage: ewsdav ${spec.name}${Object.keys(spec.options).length ? " [options]" : ""}${positionals.length ? ` ${positionals.join(" ")}` : ""}`;
}

/** `ewsdav <command> --help`. */
export function commandHelp(spec: CommandSpec, width = DEFAULT_HELP_WIDTH): string {
  const lines = [usageLine(spec), "", wrap(spec.description, width), ""];
  if (spec.positionals?.length) lines.push("Arguments:", ...table(spec.positionals.map((p) => [p.name, p.description] as const), width), "");
  if (Object.keys(spec.options).length) lines.push("Options:", ...table(optionRows(spec.options), width), "");
  lines.push("Options of every command:", ...table(optionRows(GLOBAL_OPTIONS), width), "");
  if (spec.examples.length) lines.push("Examples:", ...spec.examples.flatMap((e) => [`  ${e.command}`, `      ${wrap(e.description, width, 6)}`]), "");
  return lines.join("\n");
}
