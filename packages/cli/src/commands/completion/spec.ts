import type { CommandSpec } from "../../cli/spec.js";

/** `ewsdav completion`. */
export const spec: CommandSpec = {
  name: "completion",
  summary: "Print a shell completion script for bash or zsh",
  description:
    "Prints a script that makes the shell complete ewsdav's commands, their options, the values of options with a fixed set of values, and file names where a file is expected. Load it in the current shell with source, or install it where the shell finds it at start (see the examples).",
  options: {},
  positionals: [{ name: "SHELL", description: "bash or zsh", required: true, complete: ["bash", "zsh"] }],
  examples: [
    { command: "source <(ewsdav completion bash)", description: "complete ewsdav in this bash session" },
    { command: "ewsdav completion bash > ~/.local/share/bash-completion/completions/ewsdav", description: "in every new bash (with the bash-completion package)" },
    { command: "ewsdav completion zsh > \"${fpath[1]}/_ewsdav\"", description: "in every new zsh (after compinit), from a directory in $fpath" },
  ],
  load: () => import("./run.js"),
};
