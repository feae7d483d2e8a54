/**
 * The commands of this run, as `main.ts` knows them, for the commands that describe the others
 * (`ewsdav completion`). A command's code cannot import the list of commands (`commands/index.ts`):
 * that list imports every spec, and each spec loads its command's code, which would close a cycle.
 */
import type { CommandSpec } from "./spec.js";

let registered: readonly CommandSpec[] = [];

/** Called by `main.ts` with every command before one runs. */
export function registerCommands(commands: readonly CommandSpec[]): void {
  registered = commands;
}

/** Every command of `ewsdav`, in help order (empty until `main.ts` registered them). */
export function registeredCommands(): readonly CommandSpec[] {
  return registered;
}
