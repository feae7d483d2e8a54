/**
 * The Graph simulator's HTTP front: `/v1.0/...` on loopback, bearer tokens resolved by the same
 * identity provider the EWS simulator's bearer front uses (or a fixed token table), `/me` for
 * delegated tokens and `/users/{id | userPrincipalName}` for both kinds, JSON batching (`/$batch`,
 * at most 20 requests, `dependsOn`, a status per request), throttling (injected 429/503/504 with
 * Retry-After, and Outlook's limit of concurrent requests per mailbox), error bodies shaped like
 * Graph's, and a log of requests.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { SimulatedMailbox, type BearerGrant } from "@ewsdav/ews-simulator";
import { DeltaTokens } from "./delta.js";
import { errorBody, GraphSimError } from "./errors.js";
import { ImmutableIds, userObjectId } from "./ids.js";
import { route, type RouteResponse } from "./routes.js";
import { handleUpload, UPLOAD_PREFIX } from "./attachments.js";
import type { GraphNotificationOptions } from "./notify.js";
import { GraphSubscriptions, type GraphNotificationHooks } from "./subscriptions.js";

/** Options of {@link startGraphSimulator}. */
export interface GraphSimulatorOptions {
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /**
   * The mailboxes, shared with an EWS simulator so one mailbox answers both protocols: pass
   * `(address) => ews.mailbox(address)` (an unknown address may throw or return undefined).
   * Without it the simulator keeps mailboxes of its own for {@link users}.
   */
  mailbox?: (smtpAddress: string) => SimulatedMailbox | undefined;
  /** Mailbox addresses `/users/{object id}` can name (and the own mailboxes without {@link mailbox}). Default alice@example.com. */
  users?: string[];
  /**
   * The identity provider whose tokens are accepted (the EWS simulator's fake one,
   * `startFakeIdentityProvider`): a token resolves only when it was issued for Microsoft Graph
   * (audience `https://graph.microsoft.com`); an Outlook (EWS) token is refused with 401, as Graph does.
   */
  identityProvider?: { resolve(token: string, audience: "https://graph.microsoft.com"): BearerGrant | undefined };
  /** Resolves a bearer token (any other source of tokens; the audience is the resolver's to check). */
  resolveToken?: (token: string) => BearerGrant | undefined;
  /** Fixed tokens: token → mailbox address (delegated) or `"app"` (app-only). */
  tokens?: Record<string, string>;
  /** Requests one mailbox may have in flight (Outlook's limit: 4); more answer 429 MailboxConcurrency. Default 4. */
  maxConcurrentPerMailbox?: number;
  /** Retry-After (seconds) of the concurrency 429 (default 1). */
  concurrencyRetryAfterSeconds?: number;
  /** Largest request body in bytes (default 4 MiB, Graph's limit); larger → 413. */
  maxRequestBytes?: number;
  /** Change notifications: validation and delivery timeouts, retries, the tenant id (see notify.ts). */
  notifications?: GraphNotificationOptions;
}

/** One injected throttling answer (see {@link GraphSimulator.throttle}). */
export interface GraphThrottleRule {
  /** 429 (default), 503 or 504. */
  status?: 429 | 503 | 504;
  /** Retry-After in seconds (default 1); `null` sends none. */
  retryAfterSeconds?: number | null;
  /** How many requests get it (default 1). */
  count?: number;
  /** Only requests whose method and path (`GET /me/contacts`) match. */
  match?: RegExp;
  /** Also requests inside a `$batch` (default false: only top-level requests). */
  inBatch?: boolean;
}

/**
 * A changed answer (see {@link GraphSimulator.rewrite}): for the next `count` top-level requests
 * matching `match`, `rewrite` gets the answer's JSON body and returns the body to send instead (a
 * string is sent as it is: a cut or malformed body).
 */
export interface GraphRewriteRule {
  match: RegExp;
  count?: number;
  rewrite: (body: unknown) => unknown;
}

/** One logged request. */
export interface GraphRequestRecord {
  method: string;
  /** Path and query as sent (inside a batch: the request's relative URL). */
  url: string;
  status: number;
  /** The mailbox it addressed, when it got that far. */
  mailbox: string | null;
  /** Set for a request inside a `$batch`. */
  inBatch: boolean;
  /** The request body sent, parsed (undefined without one). */
  body: unknown;
  /** The response body (undefined without one). */
  response: unknown;
}

/** A running Graph simulator. */
export interface GraphSimulator {
  /** The service root, `http://HOST:PORT/v1.0`. */
  readonly url: string;
  /** Stops listening and closes every connection. */
  stop(): Promise<void>;
  /** Queues throttling answers for the next matching requests. */
  throttle(rule: GraphThrottleRule): void;
  /** Changes the next matching answers (a cut body, a page without its links …), to test how a client takes them. */
  rewrite(rule: GraphRewriteRule): void;
  /** Rejects every delta token issued so far (the next use answers 410 syncStateNotFound). */
  expireDeltaTokens(): void;
  /** Every request received, oldest first (top-level and inside batches). */
  readonly requests: readonly GraphRequestRecord[];
  /** Forgets the request log and the peak. */
  clear(): void;
  /** Highest number of requests one mailbox had in flight at once. */
  peakConcurrency(): number;
  /** The mailbox behind an address (own or shared). */
  mailbox(smtpAddress: string): SimulatedMailbox;
  /** The Graph user id (object id) of a mailbox. */
  userId(smtpAddress: string): string;
  /** Subscriptions' test hooks: lifecycle notifications, expiry, the delivery log. */
  readonly notifications: GraphNotificationHooks;
}

const JSON_TYPE = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";
const MAX_BATCH = 20;

/** Starts a Graph simulator on loopback; see {@link GraphSimulatorOptions}. */
export async function startGraphSimulator(options: GraphSimulatorOptions = {}): Promise<GraphSimulator> {
  const host = options.host ?? "127.0.0.1";
  const users = options.users ?? ["alice@example.com"];
  const own = new Map<string, SimulatedMailbox>();
  if (!options.mailbox) for (const u of users) own.set(u.toLowerCase(), new SimulatedMailbox(u, u.split("@")[0]!));
  const lookup = (address: string): SimulatedMailbox | undefined => {
    if (!options.mailbox) return own.get(address.toLowerCase());
    try {
      return options.mailbox(address);
    } catch {
      return undefined;
    }
  };
  const immutables = new WeakMap<SimulatedMailbox, ImmutableIds>();
  const immutableOf = (box: SimulatedMailbox) => {
    let ids = immutables.get(box);
    if (!ids) immutables.set(box, (ids = new ImmutableIds(box)));
    return ids;
  };
  const tokens = new DeltaTokens();
  // Declared as a function so the subscriptions can use resolveUser, defined below.
  const subscriptions = new GraphSubscriptions({ resolveUser: (grant, segments) => resolveUser(grant, segments), immutableOf, root: () => root }, options.notifications);
  const maxConcurrent = options.maxConcurrentPerMailbox ?? 4;
  const maxBytes = options.maxRequestBytes ?? 4 * 1024 * 1024;
  let rules: Array<Required<Omit<GraphThrottleRule, "match">> & { match?: RegExp }> = [];
  let requests: GraphRequestRecord[] = [];
  let rewrites: Array<{ match: RegExp; count: number; rewrite: (body: unknown) => unknown }> = [];
  const inFlight = new Map<string, number>();
  let peak = 0;
  let root = "";

  const grantOf = (authorization: string | undefined): BearerGrant | undefined => {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
    if (!m) return undefined;
    const fixed = options.tokens?.[m[1]!];
    if (fixed !== undefined) return fixed === "app" ? { kind: "app" } : { kind: "delegated", smtpAddress: fixed };
    return options.identityProvider?.resolve(m[1]!, "https://graph.microsoft.com") ?? options.resolveToken?.(m[1]!);
  };

  /** The mailbox a path's user segment names, and the rest of the path. */
  const resolveUser = (grant: BearerGrant, segments: string[]): { box: SimulatedMailbox; userPath: string; rest: string[] } => {
    if (segments[0] === "me") {
      if (grant.kind !== "delegated") throw new GraphSimError(400, "BadRequest", "/me request is only valid with delegated authentication flow.");
      const box = lookup(grant.smtpAddress);
      if (!box) throw new GraphSimError(404, "ErrorInvalidUser", `The requested user '${grant.smtpAddress}' is invalid.`);
      return { box, userPath: "/me", rest: segments.slice(1) };
    }
    if (segments[0] === "users" && segments[1]) {
      const key = segments[1];
      const address = key.includes("@") ? key : users.find((u) => { const b = lookup(u); return b && userObjectId(b) === key.toLowerCase(); });
      const box = address ? lookup(address) : undefined;
      if (!box) throw new GraphSimError(404, "ErrorInvalidUser", `The requested user '${key}' is invalid.`);
      if (grant.kind === "delegated" && grant.smtpAddress.toLowerCase() !== box.smtpAddress.toLowerCase()) {
        throw new GraphSimError(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.");
      }
      return { box, userPath: `/users/${encodeURIComponent(key)}`, rest: segments.slice(2) };
    }
    throw new GraphSimError(400, "BadRequest", "Resource not found for the segment.");
  };

  const takeThrottle = (method: string, path: string, inBatch: boolean): GraphSimError | undefined => {
    const at = rules.findIndex((r) => (!inBatch || r.inBatch) && (!r.match || r.match.test(`${method} ${path}`)));
    if (at === -1) return undefined;
    const rule = rules[at]!;
    if (--rule.count <= 0) rules.splice(at, 1);
    const headers: Record<string, string> = rule.retryAfterSeconds === null ? {} : { "retry-after": String(rule.retryAfterSeconds) };
    if (rule.status === 429) return new GraphSimError(429, "ApplicationThrottled", "Application is over its MailboxConcurrency limit.", headers);
    if (rule.status === 503) return new GraphSimError(503, "ServiceUnavailable", "The service is temporarily unavailable.", headers);
    return new GraphSimError(504, "UnknownError", "The gateway timed out.", headers);
  };

  /** One request (top-level or inside a batch), answered as a status and a JSON body. */
  const execute = (grant: BearerGrant, method: string, url: string, headers: Record<string, string>, body: unknown, inBatch: boolean): RouteResponse & { mailbox: string | null } => {
    const parsed = new URL(url.replace(/^\/?/, "/"), "http://graph.invalid");
    const path = decodeURIComponent(parsed.pathname);
    const throttled = takeThrottle(method, path, inBatch);
    if (throttled) throw throttled;
    const segments = path.split("/").filter(Boolean);
    const { box, userPath, rest } = resolveUser(grant, segments);
    const response = route({ method, segments: rest, query: parsed.searchParams, headers, body, box, userPath, immutable: immutableOf(box), root, tokens });
    return { ...response, mailbox: box.smtpAddress };
  };

  const answerError = (error: unknown, requestId: string, clientRequestId: string | undefined): RouteResponse => {
    const e = error instanceof GraphSimError ? error : new GraphSimError(500, "InternalServerError", "An internal server error occurred.");
    if (!(error instanceof GraphSimError)) console.error("graph simulator:", error);
    return { status: e.status, headers: e.headers, body: errorBody(e, requestId, clientRequestId) };
  };

  /**
   * A member's headers and body as Graph's JSON batching gives them: a JSON body as JSON; bytes (a
   * photo's or an attachment's `$value`) base64-encoded in `body`, with the member's own
   * `content-type` in its headers (learn.microsoft.com/graph/json-batching, the response format
   * and its example of an image read in a batch).
   */
  const batchBody = (answer: RouteResponse): { headers: Record<string, string>; body?: unknown } => {
    if (answer.body === undefined) return { headers: { ...(answer.headers ?? {}) } };
    if (Buffer.isBuffer(answer.body)) {
      const headers = { ...(answer.headers ?? {}) };
      if (!Object.keys(headers).some((k) => k.toLowerCase() === "content-type")) headers["content-type"] = "application/octet-stream";
      return { headers, body: answer.body.toString("base64") };
    }
    return { headers: { ...(answer.headers ?? {}), "content-type": JSON_TYPE }, body: answer.body };
  };

  /**
   * Runs a `$batch`. `room`: the mailbox's free concurrency slots when it arrived; of the first
   * members Graph sends at once (up to 4 without dependsOn), those past `room` are throttled.
   */
  const runBatch = (grant: BearerGrant, body: unknown, room: number): RouteResponse => {
    const list = (body as { requests?: unknown })?.requests;
    if (!Array.isArray(list) || list.length === 0) throw new GraphSimError(400, "BadRequest", "Invalid batch payload format.");
    if (list.length > MAX_BATCH) throw new GraphSimError(400, "BadRequest", `Limit exceeded: a batch holds at most ${MAX_BATCH} requests.`);
    const ids = new Set<string>();
    for (const r of list as Array<Record<string, unknown>>) {
      if (typeof r?.id !== "string" || typeof r.method !== "string" || typeof r.url !== "string") throw new GraphSimError(400, "BadRequest", "Each batch request needs an id, a method and a url.");
      if (ids.has(r.id.toLowerCase())) throw new GraphSimError(400, "BadRequest", "Batch request ids must be unique.");
      if (r.dependsOn !== undefined && (!Array.isArray(r.dependsOn) || r.dependsOn.some((d) => typeof d !== "string" || !ids.has(d.toLowerCase())))) {
        throw new GraphSimError(400, "BadRequest", `Request '${r.id}' depends on a request that does not come before it.`);
      }
      if (r.body !== undefined && !Object.keys((r.headers ?? {}) as object).some((h) => h.toLowerCase() === "content-type")) {
        throw new GraphSimError(400, "BadRequest", `Request '${r.id}' has a body but no Content-Type header.`);
      }
      ids.add(r.id.toLowerCase());
    }
    const statusOf = new Map<string, number>();
    let wave = 0;
    const responsesOut = (list as Array<{ id: string; method: string; url: string; headers?: Record<string, string>; body?: unknown; dependsOn?: string[] }>).map((r) => {
      const requestId = randomUUID();
      const headers = Object.fromEntries(Object.entries(r.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
      let answer: RouteResponse;
      let mailbox: string | null = null;
      const first = r.dependsOn === undefined || r.dependsOn.length === 0 ? wave++ : maxConcurrent;
      if (first >= room && first < maxConcurrent) {
        answer = answerError(new GraphSimError(429, "ApplicationThrottled", "Application is over its MailboxConcurrency limit.", { "retry-after": String(options.concurrencyRetryAfterSeconds ?? 1) }), requestId, headers["client-request-id"]);
      } else if ((r.dependsOn ?? []).some((d) => (statusOf.get(d.toLowerCase()) ?? 0) >= 400)) {
        answer = { status: 424, body: errorBody(new GraphSimError(424, "FailedDependency", "The request depends on a request that failed."), requestId, undefined) };
      } else {
        try {
          const result = execute(grant, r.method.toUpperCase(), r.url, headers, r.body, true);
          mailbox = result.mailbox;
          answer = result;
        } catch (error) {
          answer = answerError(error, requestId, headers["client-request-id"]);
        }
      }
      statusOf.set(r.id.toLowerCase(), answer.status);
      requests.push({ method: r.method.toUpperCase(), url: r.url, status: answer.status, mailbox, inBatch: true, body: r.body, response: answer.body });
      return { id: r.id, status: answer.status, ...batchBody(answer) };
    });
    return { status: 200, body: { responses: responsesOut } };
  };

  const readBody = (req: IncomingMessage): Promise<Buffer | null> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on("data", (c: Buffer) => {
        size += c.length;
        if (size <= maxBytes) chunks.push(c);
      });
      req.on("end", () => resolve(size > maxBytes ? null : Buffer.concat(chunks)));
      req.on("error", reject);
    });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = randomUUID();
    const clientRequestId = typeof req.headers["client-request-id"] === "string" ? req.headers["client-request-id"] : undefined;
    const method = (req.method ?? "GET").toUpperCase();
    const url = req.url ?? "/";
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(", ") : v ?? ""]));
    let answer: RouteResponse;
    let mailbox: string | null = null;
    let body: unknown;
    let counted: string | undefined;
    let slots = 1;
    let batchRoom = maxConcurrent;
    if (url.startsWith(UPLOAD_PREFIX)) return handleUpload(req, res, maxBytes);
    try {
      const raw = await readBody(req);
      if (raw === null) throw new GraphSimError(413, "RequestEntityTooLarge", "The request body is too large.");
      const contentType = (headers["content-type"] ?? "").toLowerCase();
      if (raw.length > 0 && contentType !== "" && !/^application\/([\w.+-]*\+)?json\b/.test(contentType)) body = raw;
      else if (raw.length > 0) {
        try {
          body = JSON.parse(raw.toString("utf8"));
        } catch {
          throw new GraphSimError(400, "BadRequest", "Unable to read JSON request payload.");
        }
      }
      if (!url.startsWith("/v1.0/")) throw new GraphSimError(400, "BadRequest", "Invalid version: the service root is /v1.0.");
      const grant = grantOf(headers.authorization);
      if (!grant) throw new GraphSimError(401, "InvalidAuthenticationToken", headers.authorization ? "Access token validation failure. Invalid audience." : "Access token is empty.", { "www-authenticate": 'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize"' });
      counted = grant.kind === "delegated" ? grant.smtpAddress.toLowerCase() : (/^\/v1\.0\/users\/([^/?]+)/.exec(url)?.[1] ?? "app").toLowerCase();
      const inner0 = url.slice("/v1.0".length).split("?")[0];
      const members = inner0 === "/$batch" && Array.isArray((body as { requests?: unknown })?.requests) ? ((body as { requests: unknown[] }).requests.length) : 0;
      // Graph sends the Outlook service up to four members of a batch at a time, and they count
      // against the mailbox's limit of 4 concurrent requests (Microsoft Graph throttling limits,
      // "Outlook service limits"; Microsoft Q&A 1660054): a batch holds min(members, 4) slots, and the
      // members over the limit are answered 429 MailboxConcurrency inside the batch.
      slots = members > 0 ? Math.min(members, maxConcurrent) : 1;
      const before = inFlight.get(counted) ?? 0;
      const running = before + slots;
      inFlight.set(counted, running);
      peak = Math.max(peak, running);
      batchRoom = Math.max(0, maxConcurrent - before);
      if (members === 0 && running > maxConcurrent) {
        throw new GraphSimError(429, "ApplicationThrottled", "Application is over its MailboxConcurrency limit.", { "retry-after": String(options.concurrencyRetryAfterSeconds ?? 1) });
      }
      const inner = url.slice("/v1.0".length);
      if (/^\/subscriptions(\/|\?|$)/.test(inner)) {
        answer = await subscriptions.route(grant, method, inner, headers, body);
      } else if (inner.split("?")[0] === "/$batch") {
        if (method !== "POST") throw new GraphSimError(405, "BadRequest", "$batch takes POST.");
        const throttled = takeThrottle(method, "/$batch", false);
        if (throttled) throw throttled;
        answer = runBatch(grant, body, batchRoom);
      } else {
        const result = execute(grant, method, inner, headers, body, false);
        mailbox = result.mailbox;
        answer = result;
      }
    } catch (error) {
      answer = answerError(error, requestId, clientRequestId);
    } finally {
      if (counted !== undefined) inFlight.set(counted, (inFlight.get(counted) ?? slots) - slots);
    }
    requests.push({ method, url: url.slice("/v1.0".length), status: answer.status, mailbox, inBatch: false, body, response: answer.body });
    const out: Record<string, string> = { "request-id": requestId, "client-request-id": clientRequestId ?? requestId, ...(answer.headers ?? {}) };
    if (answer.body === undefined) {
      res.writeHead(answer.status, out).end();
      return;
    }
    if (Buffer.isBuffer(answer.body)) {
      // A raw answer (an attachment's $value): its own content type.
      res.writeHead(answer.status, { "content-type": "application/octet-stream", ...out, "content-length": String(answer.body.length) }).end(answer.body);
      return;
    }
    const at = rewrites.findIndex((r) => r.match.test(`${method} ${url.slice("/v1.0".length)}`));
    let sent: unknown = answer.body;
    if (at !== -1) {
      const rule = rewrites[at]!;
      if (--rule.count <= 0) rewrites.splice(at, 1);
      sent = rule.rewrite(answer.body);
    }
    const payload = Buffer.from(typeof sent === "string" ? sent : JSON.stringify(sent));
    res.writeHead(answer.status, { ...out, "content-type": JSON_TYPE, "content-length": String(payload.length), "odata-version": "4.0" }).end(payload);
  };

  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      console.error("graph simulator:", error);
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  root = `http://${host}:${port}/v1.0`;
  const requireBox = (address: string) => {
    const box = lookup(address);
    if (!box) throw new Error(`no mailbox ${address}`);
    return box;
  };
  return {
    url: root,
    stop: () => new Promise<void>((resolve) => {
      subscriptions.close();
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
    throttle(rule) {
      rules.push({ status: rule.status ?? 429, retryAfterSeconds: rule.retryAfterSeconds === undefined ? 1 : rule.retryAfterSeconds, count: rule.count ?? 1, inBatch: rule.inBatch ?? false, ...(rule.match ? { match: rule.match } : {}) });
    },
    rewrite(rule) {
      rewrites.push({ match: rule.match, count: rule.count ?? 1, rewrite: rule.rewrite });
    },
    expireDeltaTokens: () => tokens.expireAll(),
    get requests() { return requests; },
    clear() {
      requests = [];
      rules = [];
      rewrites = [];
      peak = 0;
    },
    peakConcurrency: () => peak,
    mailbox: requireBox,
    userId: (address) => userObjectId(requireBox(address)),
    notifications: subscriptions.hooks(),
  };
}
