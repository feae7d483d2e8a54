import type { CommandSpec } from "../../cli/spec.js";

/** `ewsdav config schema`. */
export const spec: CommandSpec = {
  name: "config schema",
  summary: "Print the JSON Schema of the config file",
  description: [
    "Prints the JSON Schema (draft 2020-12) of the config file, generated from the schema ewsdav checks configs with, with a description for every field: editors that read JSON Schema (VS Code, JetBrains, Neovim with a JSON language server) then complete and check the config as you type.",
    'Point the config at it with a "$schema" key (a path relative to the config file, or a URL): { "$schema": "./ewsdav.schema.json", … }. The schema says which fields go together (exactly one of password, passwordEnv and passwordFile; url or autodiscover with a mailbox); what it cannot say is checked when ewsdav reads the config: that the accounts pairs name exist, that plain http goes only to loopback unless allowed, and that secret files are private (chmod 600).',
  ].join("\n\n"),
  options: {
    output: { type: "string", short: "o", valueName: "FILE", description: "write the schema to FILE instead of printing it" },
  },
  examples: [
    { command: "ewsdav config schema", description: "Print the JSON Schema of the config file" },
    { command: "ewsdav config schema --output ~/.config/ewsdav/ewsdav.schema.json", description: 'Write it beside the config, for its "$schema" key' },
  ],
  load: () => import("./run.js"),
};
