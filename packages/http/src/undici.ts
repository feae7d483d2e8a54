/**
 * `@ewsdav/http/undici`: the parts of undici ewsdav's clients use — `Agent`, `Client`,
 * `buildConnector` and `request` — loaded without undici's entry point. That entry loads
 * everything undici has (fetch, WebSocket, EventSource, cookies, caches, mocks, interceptors):
 * about 110 files and 100–140 ms of CPU on Node 20, which every run of the `ewsdav` command paid
 * before its first request. These parts are about 30 files and 40–50 ms.
 *
 * The values are undici's own (the same classes as `import { Agent } from "undici"`, from the same
 * files), so a dispatcher made here and one made from undici's entry are interchangeable; a test
 * checks it. A newer undici that moves these files is loaded from its entry point instead
 * (`undici-parts.ts`): slower to start, never broken. Types come from "undici".
 *
 * @module
 */
import { createRequire } from "node:module";
import type * as Undici from "undici";
import { loadUndiciParts } from "./undici-parts.js";

// undici is CommonJS: required, so that a missing file can fall back (an ESM import could not).
const parts = loadUndiciParts(createRequire(import.meta.url));

export type { Dispatcher } from "undici";

/** undici's `Agent`: a pool of connections per origin. */
export const Agent: typeof Undici.Agent = parts.Agent;
export type Agent = Undici.Agent;
/** undici's `Client`: one origin, its own connection(s). */
export const Client: typeof Undici.Client = parts.Client;
export type Client = Undici.Client;
/** undici's `buildConnector`: the socket connector with TLS options. */
export const buildConnector: typeof Undici.buildConnector = parts.buildConnector;
/** The types of undici's `buildConnector` namespace. */
export declare namespace buildConnector {
  export type BuildOptions = Undici.buildConnector.BuildOptions;
  export type Options = Undici.buildConnector.Options;
  export type Callback = Undici.buildConnector.Callback;
  export type connector = Undici.buildConnector.connector;
}

/** Options of {@link request}: undici's request options with the dispatcher to send it through. */
export type RequestOptions = Omit<Undici.Dispatcher.RequestOptions, "origin" | "path" | "method"> & {
  method?: Undici.Dispatcher.HttpMethod | undefined;
  dispatcher?: Undici.Dispatcher | undefined;
};

/**
 * Sends one request to the absolute `url` through `options.dispatcher` (undici's global dispatcher
 * when absent) and resolves with the response: what undici's own `request(url, options)` does for
 * an absolute URL (the method defaults to GET, or PUT with a body).
 */
export function request(url: string | URL, options: RequestOptions = {}): Promise<Undici.Dispatcher.ResponseData> {
  const { dispatcher, ...rest } = options;
  const target = typeof url === "string" ? new URL(url) : url;
  const through: Undici.Dispatcher = dispatcher ?? parts.getGlobalDispatcher();
  return through.request({
    ...rest,
    origin: target.origin,
    path: `${target.pathname}${target.search}`,
    method: options.method ?? (options.body ? "PUT" : "GET"),
  } as Undici.Dispatcher.RequestOptions);
}
