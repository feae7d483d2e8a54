/**
 * The Graph client of one mailbox: contact folders and contacts (CRUD with `If-Match`), paging
 * through `@odata.nextLink`, `contacts/delta` per folder with the `@odata.deltaLink` as the cursor,
 * JSON batching, `translateExchangeIds`, `Prefer: IdType="ImmutableId"`. Every answer is checked
 * for the shape it must have: an answer without its `value`, or a delta page with neither a next
 * nor a delta link, is an error, never a complete listing.
 */
import { redactUrl } from "@ewsdav/http";
import { GraphInputError, GraphTransportError, graphErrorOf } from "./errors.js";
import type { GraphContact, GraphContactFolder, GraphContactInput, GraphConvertIdResult, GraphExchangeIdFormat } from "./model.js";
import { GraphTransport, type ConcurrencyLimiter, type GraphHttpResponse, type GraphTokenProvider, type GraphTransportOptions } from "./transport.js";
import { parseRetryAfter } from "@ewsdav/http";

/** Options of {@link GraphClient}. */
export interface GraphClientOptions extends Omit<GraphTransportOptions, "getToken" | "limiter"> {
  /** The service root (default `https://graph.microsoft.com/v1.0`). */
  readonly baseUrl?: string;
  /** The mailbox: a user principal name or object id (`/users/{user}`), or undefined for `/me` (delegated tokens). */
  readonly user?: string;
  /** The limiter's key for `/me` (default `me`); set it to the signed-in address when several clients share a mailbox. */
  readonly mailboxKey?: string;
  /** Bearer tokens. */
  readonly getToken: GraphTokenProvider;
  /** Ask for immutable ids (`Prefer: IdType="ImmutableId"`, default true): ids that survive moves. */
  readonly immutableIds?: boolean;
  /** The concurrency limiter (default the process-wide one, 4 per mailbox). */
  readonly limiter?: ConcurrencyLimiter;
}

/** Options of a read. */
export interface GraphReadOptions {
  /** `$select`: the properties to return (id always comes). */
  readonly select?: readonly string[];
  /** Extended properties to expand (`$expand=singleValueExtendedProperties($filter=id eq …)`), by Graph id. */
  readonly extendedProperties?: readonly string[];
  /** Page size (`$top` for lists, `odata.maxpagesize` for delta). */
  readonly pageSize?: number;
  readonly signal?: AbortSignal;
}

/** Options of a write. */
export interface GraphWriteOptions {
  /** `If-Match`: the `@odata.etag` read with the item; a changed item answers 412. */
  readonly ifMatch?: string;
  readonly signal?: AbortSignal;
}

/** One page of changes of a delta round, or the whole round with {@link GraphClient.contactsDelta}. */
export interface GraphDeltaResult {
  /** Created or changed contacts. */
  readonly changed: GraphContact[];
  /** Ids of contacts deleted or moved out. */
  readonly removed: string[];
  /** The `@odata.deltaLink`: the cursor of the next round. */
  readonly cursor: string;
}

/** One request of a batch. */
export interface GraphBatchRequest {
  /** Unique in the batch. */
  readonly id: string;
  readonly method: "GET" | "POST" | "PATCH" | "DELETE";
  /** Relative to the service root, e.g. `/me/contacts/{id}` (see {@link GraphClient.path}). */
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  /** Ids of earlier requests this one waits for (it is not run when one of them fails: 424). */
  readonly dependsOn?: readonly string[];
}

/** One answer of a batch. */
export interface GraphBatchResponse {
  readonly id: string;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
  /** Graph's error code when the status is an error. */
  readonly errorCode?: string;
}

/** The most requests a batch may hold. */
export const GRAPH_MAX_BATCH = 20;

function asObject(text: string, what: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new GraphTransportError("MALFORMED_RESPONSE", `${what}: the answer is not JSON (cut or malformed)`, { cause: error });
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new GraphTransportError("MALFORMED_RESPONSE", `${what}: the answer is not a JSON object`);
  return parsed as Record<string, unknown>;
}

function odataQuote(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** The Graph client of one mailbox; see the module comment. */
export class GraphClient {
  /** The transport (its `stats` count requests and retries). */
  readonly transport: GraphTransport;
  private readonly root: URL;
  private readonly userPath: string;
  private readonly mailbox: string;

  constructor(private readonly options: GraphClientOptions) {
    this.root = new URL((options.baseUrl ?? "https://graph.microsoft.com/v1.0").replace(/\/+$/, ""));
    this.userPath = options.user === undefined ? "/me" : `/users/${encodeURIComponent(options.user)}`;
    this.mailbox = options.user ?? options.mailboxKey ?? "me";
    this.transport = new GraphTransport({ ...options, ...(options.limiter ? { limiter: options.limiter } : {}) });
  }

  /** Closes the connection pool. */
  close(): Promise<void> {
    return this.transport.close();
  }

  /** A path under the mailbox, relative to the service root (for batch requests): `path("contacts", id)` → `/me/contacts/{id}`. */
  path(...segments: string[]): string {
    return `${this.userPath}/${segments.map(encodeURIComponent).join("/")}`;
  }

  private url(path: string, query?: Record<string, string | undefined>): URL {
    const url = new URL(`${this.root.pathname}${path}`, this.root);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    return url;
  }

  private prefer(extra?: string): Record<string, string> {
    const parts = [this.options.immutableIds === false ? undefined : 'IdType="ImmutableId"', extra].filter((p): p is string => !!p);
    return parts.length ? { prefer: parts.join(", ") } : {};
  }

  /** Sends one request; an error status becomes a typed error. */
  private async call(method: "GET" | "POST" | "PATCH" | "DELETE", url: URL, init: { body?: unknown; headers?: Record<string, string>; signal?: AbortSignal | undefined } = {}): Promise<GraphHttpResponse> {
    if (url.origin !== this.root.origin) throw new GraphTransportError("MALFORMED_RESPONSE", `a link leads to another origin (${redactUrl(url)}); not followed`);
    const response = await this.transport.request({
      method, url, mailbox: this.mailbox, headers: { ...this.prefer(), ...init.headers },
      ...(init.body !== undefined ? { body: init.body } : {}), ...(init.signal ? { signal: init.signal } : {}),
    });
    if (response.status >= 400) {
      throw graphErrorOf(response.status, response.body, response.headers["request-id"], parseRetryAfter(response.headers["retry-after"]), `${method} ${redactUrl(url)}`);
    }
    return response;
  }

  private readQuery(options: GraphReadOptions = {}, list = false): Record<string, string | undefined> {
    const ext = options.extendedProperties ?? [];
    return {
      $select: options.select?.length ? options.select.join(",") : undefined,
      $expand: ext.length ? `singleValueExtendedProperties($filter=${ext.map((id) => `id eq ${odataQuote(id)}`).join(" or ")})` : undefined,
      $top: list && options.pageSize !== undefined ? String(options.pageSize) : undefined,
    };
  }

  /** Every page of a collection, following `@odata.nextLink`. */
  private async listAll<T>(first: URL, signal: AbortSignal | undefined): Promise<T[]> {
    const out: T[] = [];
    for (let url: URL | undefined = first; url; ) {
      const what = `GET ${redactUrl(url)}`;
      const page = asObject((await this.call("GET", url, { signal })).body, what);
      if (!Array.isArray(page.value)) throw new GraphTransportError("MALFORMED_RESPONSE", `${what}: the answer has no value collection`);
      out.push(...(page.value as T[]));
      const next = page["@odata.nextLink"];
      url = typeof next === "string" ? new URL(next) : undefined;
    }
    return out;
  }

  // ------------------------------------------------------------ contact folders

  /** The contact folders under `parentId` (default: under the default Contacts folder). */
  listContactFolders(parentId?: string, options: { signal?: AbortSignal } = {}): Promise<GraphContactFolder[]> {
    const path = parentId === undefined ? this.path("contactFolders") : this.path("contactFolders", parentId, "childFolders");
    return this.listAll(this.url(path), options.signal);
  }

  /** One contact folder. */
  async getContactFolder(id: string, options: { signal?: AbortSignal } = {}): Promise<GraphContactFolder> {
    return asObject((await this.call("GET", this.url(this.path("contactFolders", id)), options)).body, "GET contactFolder") as unknown as GraphContactFolder;
  }

  /** Creates a contact folder (under the default Contacts folder, or `parentId`). */
  async createContactFolder(displayName: string, parentId?: string, options: { signal?: AbortSignal } = {}): Promise<GraphContactFolder> {
    const path = parentId === undefined ? this.path("contactFolders") : this.path("contactFolders", parentId, "childFolders");
    return asObject((await this.call("POST", this.url(path), { body: { displayName }, signal: options.signal })).body, "POST contactFolder") as unknown as GraphContactFolder;
  }

  /** Deletes a contact folder and its contents. */
  async deleteContactFolder(id: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.call("DELETE", this.url(this.path("contactFolders", id)), options);
  }

  // ------------------------------------------------------------ contacts

  private contactsPath(folderId: string | undefined, ...rest: string[]): string {
    return folderId === undefined ? this.path("contacts", ...rest) : this.path("contactFolders", folderId, "contacts", ...rest);
  }

  /** Every contact of a folder (default: the default Contacts folder), all pages. */
  listContacts(folderId?: string, options: GraphReadOptions = {}): Promise<GraphContact[]> {
    return this.listAll(this.url(this.contactsPath(folderId), this.readQuery(options, true)), options.signal);
  }

  /** One contact. */
  async getContact(id: string, options: GraphReadOptions = {}): Promise<GraphContact> {
    return asObject((await this.call("GET", this.url(this.path("contacts", id), this.readQuery(options)), options)).body, "GET contact") as unknown as GraphContact;
  }

  /** Creates a contact in a folder (default: the default Contacts folder); returns it with its id and `@odata.etag`. */
  async createContact(contact: GraphContactInput, folderId?: string, options: { signal?: AbortSignal } = {}): Promise<GraphContact> {
    return asObject((await this.call("POST", this.url(this.contactsPath(folderId)), { body: contact, signal: options.signal })).body, "POST contact") as unknown as GraphContact;
  }

  /** Changes a contact (PATCH: the properties given replace the stored ones); `ifMatch` makes a changed item answer 412. */
  async updateContact(id: string, patch: GraphContactInput, options: GraphWriteOptions = {}): Promise<GraphContact> {
    const headers = options.ifMatch !== undefined ? { "if-match": options.ifMatch } : undefined;
    return asObject((await this.call("PATCH", this.url(this.path("contacts", id)), { body: patch, ...(headers ? { headers } : {}), signal: options.signal })).body, "PATCH contact") as unknown as GraphContact;
  }

  /** Deletes a contact; `ifMatch` makes a changed item answer 412. */
  async deleteContact(id: string, options: GraphWriteOptions = {}): Promise<void> {
    const headers = options.ifMatch !== undefined ? { "if-match": options.ifMatch } : undefined;
    await this.call("DELETE", this.url(this.path("contacts", id)), { ...(headers ? { headers } : {}), signal: options.signal });
  }

  /**
   * One delta round of a contact folder (default: the default Contacts folder): from `cursor` (a
   * previous round's delta link) or, without one, every contact; follows every next link and
   * returns the round's changes and its delta link. A dropped sync state throws
   * {@link GraphSyncStateNotFoundError}: the caller then lists the folder in full (no cursor).
   */
  async contactsDelta(folderId: string | undefined, cursor: string | undefined, options: GraphReadOptions = {}): Promise<GraphDeltaResult> {
    let url: URL | undefined = cursor !== undefined ? new URL(cursor) : this.url(this.contactsPath(folderId, "delta"), { $select: options.select?.length ? options.select.join(",") : undefined });
    const changed = new Map<string, GraphContact>();
    const removed = new Set<string>();
    const headers = options.pageSize !== undefined ? this.prefer(`odata.maxpagesize=${options.pageSize}`) : {};
    while (url) {
      const what = `GET ${redactUrl(url)}`;
      const page = asObject((await this.call("GET", url, { headers, signal: options.signal })).body, what);
      if (!Array.isArray(page.value)) throw new GraphTransportError("MALFORMED_RESPONSE", `${what}: the answer has no value collection`);
      for (const row of page.value as Array<GraphContact & { "@removed"?: unknown }>) {
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

  // ------------------------------------------------------------ batching and ids

  /**
   * Sends up to {@link GRAPH_MAX_BATCH} requests in one `$batch`. Each answer keeps its own status:
   * a failed request (or one skipped with 424 because a request it depends on failed) does not
   * fail the others, and the caller decides per answer. Answers come back in request order.
   */
  async batch(requests: readonly GraphBatchRequest[], options: { signal?: AbortSignal } = {}): Promise<GraphBatchResponse[]> {
    if (requests.length === 0) return [];
    if (requests.length > GRAPH_MAX_BATCH) throw new GraphInputError(`a batch holds at most ${GRAPH_MAX_BATCH} requests, not ${requests.length}`);
    const seen = new Set<string>();
    for (const r of requests) {
      if (seen.has(r.id.toLowerCase())) throw new GraphInputError(`batch request id '${r.id}' is used twice`);
      for (const d of r.dependsOn ?? []) if (!seen.has(d.toLowerCase())) throw new GraphInputError(`batch request '${r.id}' depends on '${d}', which does not come before it`);
      seen.add(r.id.toLowerCase());
    }
    const prefer = this.prefer();
    const body = {
      requests: requests.map((r) => ({
        id: r.id, method: r.method, url: r.url,
        headers: { ...prefer, ...(r.body !== undefined ? { "content-type": "application/json" } : {}), ...r.headers },
        ...(r.body !== undefined ? { body: r.body } : {}),
        ...(r.dependsOn?.length ? { dependsOn: [...r.dependsOn] } : {}),
      })),
    };
    const idempotent = requests.every((r) => r.method !== "POST");
    const url = this.url("/$batch");
    const response = await this.transport.request({ method: "POST", url, mailbox: this.mailbox, body, idempotent, ...(options.signal ? { signal: options.signal } : {}) });
    if (response.status >= 400) throw graphErrorOf(response.status, response.body, response.headers["request-id"], parseRetryAfter(response.headers["retry-after"]), "POST $batch");
    const parsed = asObject(response.body, "POST $batch");
    if (!Array.isArray(parsed.responses)) throw new GraphTransportError("MALFORMED_RESPONSE", "POST $batch: the answer has no responses collection");
    const byId = new Map<string, GraphBatchResponse>();
    for (const r of parsed.responses as Array<Record<string, unknown>>) {
      if (typeof r?.id !== "string" || typeof r.status !== "number") throw new GraphTransportError("MALFORMED_RESPONSE", "POST $batch: an answer without id or status");
      const errorCode = (r.body as { error?: { code?: unknown } } | undefined)?.error?.code;
      byId.set(r.id.toLowerCase(), {
        id: r.id, status: r.status, headers: (r.headers ?? {}) as Record<string, string>, body: r.body,
        ...(typeof errorCode === "string" ? { errorCode } : {}),
      });
    }
    return requests.map((r) => {
      const answer = byId.get(r.id.toLowerCase());
      if (!answer) throw new GraphTransportError("MALFORMED_RESPONSE", `POST $batch: no answer for request '${r.id}' (cut answer)`);
      return answer;
    });
  }

  /** Translates ids between Exchange formats (`translateExchangeIds`, at most 1000 at once). */
  async translateExchangeIds(inputIds: readonly string[], sourceIdType: GraphExchangeIdFormat, targetIdType: GraphExchangeIdFormat, options: { signal?: AbortSignal } = {}): Promise<GraphConvertIdResult[]> {
    if (inputIds.length > 1000) throw new GraphInputError("translateExchangeIds takes at most 1000 ids");
    const body = asObject((await this.call("POST", this.url(this.path("translateExchangeIds")), { body: { inputIds, sourceIdType, targetIdType }, signal: options.signal })).body, "POST translateExchangeIds");
    if (!Array.isArray(body.value) || body.value.length !== inputIds.length) throw new GraphTransportError("MALFORMED_RESPONSE", "translateExchangeIds: the answer does not hold one result per id");
    return body.value as GraphConvertIdResult[];
  }
}
