/** The help texts: the command list (`ewsdav --help`) and one command's (`ewsdav sync --help`). */
import { EXIT_CODE_HELP } from "../exit-codes.js";
import { GLOBAL_OPTIONS, type CommandSpec, type OptionSpec } from "./spec.js";

function optionLines(options: Record<string, OptionSpec>): string[] {
  const rows = Object.entries(options).map(([name, o]) => [`${o.short ? `-${o.short}, ` : "    "}--${name}${o.type === "string" ? ` ${o.valueName ?? "VALUE"}` : ""}`, o.description] as const);
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`);
}

/** `ewsdav --help`. */
export function mainHelp(commands: readonly CommandSpec[], version: string): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    `ewsdav ${version}: two-way sync of contacts, calendars and tasks between CalDAV/CardDAV and Exchange`,
    "",
    "Usage: ewsdav <command> [options]",
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Options of every command:",
    ...optionLines(GLOBAL_OPTIONS),
    "  -V, --version  print the version",
    "",
    "Exit codes:",
    ...EXIT_CODE_HELP.map(([code, text]) => `  ${code}  ${text}`),
    "",
    "Start with `ewsdav init`; `ewsdav <command> --help` shows a command's options and examples.",
    "",
  ].join("\n");
}

/** `ewsdav <command> --help`. */
export function commandHelp(spec: CommandSpec): string {
  const positionals = (spec.positionals ?? []).map((p) => (p.required ? `<${p.name}${p.variadic ? "…" : ""}>` : `[${p.name}${p.variadic ? "…" : ""}]`));
  const lines = [`Usage: ewsdav ${spec.name}${Object.keys(spec.options).length ? " [options]" : ""}${positionals.length ? ` ${positionals.join(" ")}` : ""}`, "", spec.description, ""];
  if (spec.positionals?.length) {
    lines.push("Arguments:", ...spec.positionals.map((p) => `  ${p.name}  ${p.description}`), "");
  }
  if (Object.keys(spec.options).length) lines.push("Options:", ...optionLines(spec.options), "");
  lines.push("Options of every command:", ...optionLines(GLOBAL_OPTIONS), "");
  if (spec.examples.length) lines.push("Examples:", ...spec.examples.flatMap((e) => [`  ${e.command}`, `      ${e.description}`]), "");
  return lines.join("\n");
}
