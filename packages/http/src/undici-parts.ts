/**
 * How `@ewsdav/http/undici` loads undici's parts (not an entry of the package: its test imports it).
 *
 * @module
 */
import type * as Undici from "undici";

/** The undici values this entry gives. */
export interface UndiciParts {
  Agent: typeof Undici.Agent;
  Client: typeof Undici.Client;
  buildConnector: typeof Undici.buildConnector;
  getGlobalDispatcher(): Undici.Dispatcher;
}

/**
 * Loads undici's parts from their own files; when those files are not where this undici version
 * keeps them (a newer undici within the dependency's range may move them), from undici's entry
 * point instead — the same values, at the entry's cost.
 */
export function loadUndiciParts(load: (id: string) => unknown): UndiciParts {
  try {
    const dispatcher = load("undici/lib/dispatcher/dispatcher.js") as { prototype: object };
    // What undici's entry does first: the request/stream/pipeline/upgrade/connect methods of every
    // dispatcher (Agent and Client inherit them). Assigning the same functions again is harmless.
    Object.assign(dispatcher.prototype, load("undici/lib/api/index.js") as object);
    const parts: UndiciParts = {
      Agent: load("undici/lib/dispatcher/agent.js") as UndiciParts["Agent"],
      Client: load("undici/lib/dispatcher/client.js") as UndiciParts["Client"],
      buildConnector: load("undici/lib/core/connect.js") as UndiciParts["buildConnector"],
      getGlobalDispatcher: (load("undici/lib/global.js") as { getGlobalDispatcher: UndiciParts["getGlobalDispatcher"] }).getGlobalDispatcher,
    };
    if ([parts.Agent, parts.Client, parts.buildConnector, parts.getGlobalDispatcher].every((v) => typeof v === "function")) return parts;
  } catch {
    // Moved or renamed files: the entry point below.
  }
  const entry = load("undici") as typeof Undici;
  return { Agent: entry.Agent, Client: entry.Client, buildConnector: entry.buildConnector, getGlobalDispatcher: entry.getGlobalDispatcher };
}
