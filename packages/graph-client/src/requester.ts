/**
 * The request layer every area of the Graph client shares (contacts in `client.ts`, and each other
 * resource in its own module): URLs under the mailbox, the `Prefer` header, one call with Graph's
 * errors typed, JSON answers checked for their shape, listings through `@odata.nextLink` and delta
 * rounds through `@odata.deltaLink`. Internal to the package: {@link GraphClient} is the public face.
 */
import { parseRetryAfter, redactUrl } from "@ewsdav/http";
import { GraphTransportError, graphErrorOf } from "./errors.js";
import { GraphTransport, type GraphHttpResponse, type GraphTransportOptions } from "./transport.js";

/** What {@link GraphRequester} needs: the client's options. */
export interface GraphRequesterOptions extends GraphTransportOptions {
  readonly baseUrl?: string;
  readonly user?: string;
  readonly mailboxKey?: string;
  readonly immutableIds?: boolean;
}

/** Options of a read (see `GraphReadOptions` in `client.ts`, re-exported there). */
export interface GraphReadOptions {
  /** `$select`: the properties to return (id always comes). */
  readonly select?: readonly string[];
  /** Extended properties to expand (`$expand=singleValueExtendedProperties($filter=id eq …)`), by Graph id. */
  readonly extendedProperties?: readonly string[];
  /** Page size (`$top` for lists, `odata.maxpagesize` for delta). */
  readonly pageSize?: number;
  readonly signal?: AbortSignal;
}

/** One delta round: what changed, what went, and the `@odata.deltaLink` to start the next round from. */
export interface GraphDeltaRound<T> {
  /** Created or changed entities, the last version of each. */
  readonly changed: T[];
  /** Ids of entities deleted or moved out. */
  readonly removed: string[];
  /** The `@odata.deltaLink`: the cursor of the next round. */
  readonly cursor: string;
}

/** An HTTP method the client sends. */
export type GraphMethod = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";

/** Parses an answer that must be a JSON object; anything else (a cut body) is a `MALFORMED_RESPONSE`. */
export function asObject(text: string, what: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new GraphTransportError("MALFORMED_RESPONSE", `${what}: the answer is not JSON (cut or malformed)`, { cause: error });
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new GraphTransportError("MALFORMED_RESPONSE", `${what}: the answer is not a JSON object`);
  return parsed as Record<string, unknown>;
}

/** An OData string literal. */
export function odataQuote(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** The shared request layer of one mailbox's client. */
export class GraphRequester {
  /** The transport (its `stats` count requests and retries). */
  readonly transport: GraphTransport;
  readonly root: URL;
  /** `/me` or `/users/{user}`. */
  readonly userPath: string;
  /** The limiter's key. */
  readonly mailbox: string;

  constructor(private readonly options: GraphRequesterOptions) {
    this.root = new URL((options.baseUrl ?? "https://graph.microsoft.com/v1.0").replace(/\/+$/, ""));
    this.userPath = options.user === undefined ? "/me" : `/users/${encodeURIComponent(options.user)}`;
    this.mailbox = options.user ?? options.mailboxKey ?? "me";
    this.transport = new GraphTransport(options);
  }

  /** A path under the mailbox, relative to the service root: `path("contacts", id)` → `/me/contacts/{id}`. */
  path(...segments: string[]): string {
    return `${this.userPath}/${segments.map(encodeURIComponent).join("/")}`;
  }

  /** An absolute URL of a path relative to the service root, with query options (undefined ones left out). */
  url(path: string, query?: Record<string, string | undefined>): URL {
    const url = new URL(`${this.root.pathname}${path}`, this.root);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    return url;
  }

  /** The `Prefer` header: immutable ids (unless turned off) and `extra` preferences. */
  prefer(...extra: Array<string | undefined>): Record<string, string> {
    const parts = [this.options.immutableIds === false ? undefined : 'IdType="ImmutableId"', ...extra].filter((p): p is string => !!p);
    return parts.length ? { prefer: parts.join(", ") } : {};
  }

  /** Sends one request; an error status becomes a typed error. A link to another origin is refused. */
  async call(method: GraphMethod, url: URL, init: { body?: unknown; headers?: Record<string, string>; signal?: AbortSignal | undefined; idempotent?: boolean } = {}): Promise<GraphHttpResponse> {
    if (url.origin !== this.root.origin) throw new GraphTransportError("MALFORMED_RESPONSE", `a link leads to another origin (${redactUrl(url)}); not followed`);
    const response = await this.transport.request({
      method, url, mailbox: this.mailbox, headers: { ...this.prefer(), ...init.headers },
      ...(init.body !== undefined ? { body: init.body } : {}), ...(init.signal ? { signal: init.signal } : {}),
      ...(init.idempotent !== undefined ? { idempotent: init.idempotent } : {}),
    });
    if (response.status >= 400) {
      throw graphErrorOf(response.status, response.body, response.headers["request-id"], parseRetryAfter(response.headers["retry-after"]), `${method} ${redactUrl(url)}`);
    }
    return response;
  }

  /** Sends one request whose answer must be a JSON object, and returns it. */
  async json<T>(method: GraphMethod, url: URL, init: { body?: unknown; headers?: Record<string, string>; signal?: AbortSignal | undefined } = {}): Promise<T> {
    return asObject((await this.call(method, url, init)).body, `${method} ${redactUrl(url)}`) as T;
  }

  /** `$select`, `$expand` of extended properties and (for lists) `$top`. */
  readQuery(options: GraphReadOptions = {}, list = false): Record<string, string | undefined> {
    const ext = options.extendedProperties ?? [];
    return {
      $select: options.select?.length ? options.select.join(",") : undefined,
      $expand: ext.length ? `singleValueExtendedProperties($filter=${ext.map((id) => `id eq ${odataQuote(id)}`).join(" or ")})` : undefined,
      $top: list && options.pageSize !== undefined ? String(options.pageSize) : undefined,
    };
  }

  /** Every page of a collection, following `@odata.nextLink`. */
  async listAll<T>(first: URL, signal: AbortSignal | undefined, headers?: Record<string, string>): Promise<T[]> {
    const out: T[] = [];
    for (let url: URL | undefined = first; url; ) {
      const what = `GET ${redactUrl(url)}`;
      const page = asObject((await this.call("GET", url, { signal, ...(headers ? { headers } : {}) })).body, what);
      if (!Array.isArray(page.value)) throw new GraphTransportError("MALFORMED_RESPONSE", `${what}: the answer has no value collection`);
      out.push(...(page.value as T[]));
      const next = page["@odata.nextLink"];
      url = typeof next === "string" ? new URL(next) : undefined;
    }
    return out;
  }

  /**
   * One delta round from `first` (a delta URL, or a previous round's delta link): follows every
   * next link and returns the changes (the last version of each entity; an `@removed` row drops an
   * earlier change) and the delta link. A page with neither link is a cut answer, an error.
   */
  async deltaRound<T extends { id: string }>(first: URL, options: { headers?: Record<string, string>; signal?: AbortSignal | undefined } = {}): Promise<GraphDeltaRound<T>> {
    const changed = new Map<string, T>();
    const removed = new Set<string>();
    for (let url: URL | undefined = first; url; ) {
      const what = `GET ${redactUrl(url)}`;
      const page = asObject((await this.call("GET", url, { signal: options.signal, ...(options.headers ? { headers: options.headers } : {}) })).body, what);
      if (!Array.isArray(page.value)) throw new GraphTransportError("MALFORMED_RESPONSE", `${what}: the answer has no value collection`);
      for (const row of page.value as Array<T & { "@removed"?: unknown }>) {
        if (typeof row?.id !== "string") throw new GraphTransportError("MALFORMED_RESPONSE", `${what}: a row without an id`);
        if (row["@removed"] !== undefined) {
          changed.delete(row.id);
          removed.add(row.id);
        } else {
          removed.delete(row.id);
          changed.set(row.id, row);
        }
      }
      const next = page["@odata.nextLink"];
      const delta = page["@odata.deltaLink"];
      if (typeof next === "string") url = new URL(next);
      else if (typeof delta === "string") return { changed: [...changed.values()], removed: [...removed], cursor: delta };
      else throw new GraphTransportError("MALFORMED_RESPONSE", `${what}: a delta page with neither @odata.nextLink nor @odata.deltaLink (cut answer)`);
    }
    throw new GraphTransportError("MALFORMED_RESPONSE", "delta round without pages");
  }

  /** The `If-Match` header of a write, when an etag is given. */
  ifMatch(etag: string | undefined): Record<string, string> | undefined {
    return etag !== undefined ? { "if-match": etag } : undefined;
  }
}
