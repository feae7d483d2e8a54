/**
 * The fleet's HTTP API ({@link buildService}): a fastify instance over an open `Fleet`, JSON in and
 * out, requests checked with the zod schemas of `schemas.ts`. The host (`main.ts`) runs the
 * scheduler and workers beside it and tells {@link ServiceState} what runs; tests drive it with
 * `app.inject` or over a listening port.
 *
 * - Every route but `/healthz` and `/readyz` (and `/metrics` when `openMetrics`) needs
 *   `Authorization: Bearer <token>`, compared in constant time (hashes of equal length).
 * - Errors are JSON `{ error, message, … }`: 400 `invalid-request` naming the field, the fleet's
 *   `FleetError` codes as 400 (`invalid`), 404 (`unknown-account`, `unknown-pair`), 409 (`in-use`,
 *   `parked`), 503 (`stopped`); 422 `account-unreachable` when an account being added (or its
 *   new secret) cannot connect, 502 when a stored account cannot be listed, 503
 *   `database-unavailable` when the database does not answer. No answer and no log
 *   line holds a secret: the request's secret is also scrubbed from the side's error message.
 * @module
 */
import { createHash, timingSafeEqual } from "node:crypto";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { FleetError, type Fleet } from "@ewsdav/core/fleet";
import { ServiceMetrics } from "./metrics.js";
import { AddAccountBody, IdParams, InvalidRequest, LimitQuery, LinkPairBody, ParkBody, parse, RunsQuery, SetSecretBody, TokenCacheBody } from "./schemas.js";

/** What runs beside the API in this process, for `/readyz`; the host updates it. */
export interface ServiceState {
  /** False once the host began to stop (the fleet is closing). */
  fleetOpen: boolean;
  /** Workers this host starts (`--workers`; 0 for an API-only host) and those running. */
  workersWanted: number;
  workersRunning: number;
  /** A scheduler is wanted / running. */
  schedulerWanted: boolean;
  schedulerRunning: boolean;
}

/** Options of {@link buildService}. */
export interface ServiceOptions {
  /** The bearer token every guarded route needs (at least 16 characters). */
  token: string;
  /** The metrics `/metrics` serves (default: a new {@link ServiceMetrics} reading the fleet's queue depth). */
  metrics?: ServiceMetrics;
  /** Serve `/metrics` without the token (default false). */
  openMetrics?: boolean;
  /** Readiness: what runs (default: the fleet open, no worker or scheduler wanted). */
  state?: ServiceState;
  /** Readiness: a round trip to the database (default: the fleet's queue depth). */
  checkDatabase?: () => Promise<unknown>;
  /** How long a readiness check waits for the database (default 2 s). */
  readyTimeoutMs?: number;
  /** How long connecting to an account may take when adding it or listing its folders (default 30 s). */
  probeTimeoutMs?: number;
  /** fastify's logger: false (default), true, or a level and a stream; `authorization` and bodies' `secret` are redacted. */
  logger?: boolean | { level?: string; stream?: NodeJS.WritableStream };
}

/** The JSON of an error answer. */
interface ErrorBody {
  error: string;
  message: string;
  field?: string;
  issues?: Array<{ field: string; message: string }>;
  code?: string;
}

/** Codes of a database that is away: connection refused or lost, shutting down, gone (SQLSTATE class 08, 57P0x, 3D000). */
const DATABASE_AWAY = /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|08[0-9A-Z]{3}|57P0[1-4]|3D000)$/;

const FLEET_STATUS: Record<FleetError["code"], number> = { invalid: 400, "unknown-account": 404, "unknown-pair": 404, "in-use": 409, parked: 409, stopped: 503 };

/** An account that could not connect (its side's error): 422 when adding, 502 when listing. */
class AccountUnreachable extends Error {
  override readonly name = "AccountUnreachable";
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/** The machine-readable code of an error or the first along its `cause` chain (`EWS_UNAUTHORIZED`, `ECONNREFUSED`, …). */
function causeCode(error: unknown): string | undefined {
  let e: unknown = error;
  for (let depth = 0; e !== null && typeof e === "object" && depth < 8; depth++) {
    const { code, status } = e as { code?: unknown; status?: unknown };
    if (typeof code === "string" && code !== "") return code;
    if (status === 401) return "HTTP_401";
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

const isFleetError = (error: unknown): error is FleetError => error instanceof FleetError || (error instanceof Error && error.name === "FleetError" && typeof (error as { code?: unknown }).code === "string");

/** Runs `connect` (a probe or a listing) within `ms`; its failure becomes {@link AccountUnreachable} with `secret` scrubbed. */
async function connecting<T>(status: number, ms: number, secret: string | undefined, connect: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const signal = AbortSignal.timeout(ms);
  try {
    return await connect(signal);
  } catch (error) {
    if (isFleetError(error)) throw error;
    let message = error instanceof Error ? error.message : String(error);
    if (signal.aborted) message = `no answer within ${ms} ms`;
    if (secret) message = message.split(secret).join("[redacted]");
    throw new AccountUnreachable(status, message, signal.aborted ? "TIMEOUT" : causeCode(error));
  }
}

/** Builds the service's fastify instance over an open fleet (not listening yet: `app.listen` or `app.inject`). */
export function buildService(fleet: Fleet, options: ServiceOptions): FastifyInstance {
  if (typeof options.token !== "string" || options.token.length < 16) throw new TypeError("buildService: the token must have at least 16 characters");
  const expected = createHash("sha256").update(options.token).digest();
  const metrics = options.metrics ?? new ServiceMetrics({ queueDepth: () => fleet.queueDepth() });
  const state = options.state ?? { fleetOpen: true, workersWanted: 0, workersRunning: 0, schedulerWanted: false, schedulerRunning: false };
  const checkDatabase = options.checkDatabase ?? (() => fleet.queueDepth());
  const probeMs = options.probeTimeoutMs ?? 30_000;
  const readyMs = options.readyTimeoutMs ?? 2_000;
  const logger =
    options.logger === undefined || options.logger === false
      ? false
      : {
          ...(options.logger === true ? {} : { level: options.logger.level ?? "info", ...(options.logger.stream ? { stream: options.logger.stream } : {}) }),
          redact: { paths: ["req.headers.authorization", "headers.authorization", "req.body.secret", "body.secret"], censor: "[redacted]" },
        };
  const app = Fastify({ logger, bodyLimit: 64 * 1024, return503OnClosing: true });

  const authorized = (header: string | undefined): boolean => {
    const m = header === undefined ? null : /^Bearer +(\S+) *$/i.exec(header);
    if (!m) return false;
    return timingSafeEqual(createHash("sha256").update(m[1]!).digest(), expected);
  };
  // Many clients send `Content-Type: application/json` with every POST, also without a body
  // (`/sync`, `/park`, `/release`): an empty body is no body, not a JSON error.
  app.addHook("onRequest", async (request) => {
    if (request.headers["content-length"] === "0") delete request.headers["content-type"];
  });
  const open = new Set(["/healthz", "/readyz", ...(options.openMetrics ? ["/metrics"] : [])]);
  app.addHook("onRequest", async (request, reply) => {
    if (open.has(request.routeOptions.url ?? "") || authorized(request.headers.authorization)) return;
    reply.header("WWW-Authenticate", 'Bearer realm="ewsdav"');
    return reply.code(401).send({ error: "unauthorized", message: "give Authorization: Bearer <token>" } satisfies ErrorBody);
  });

  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof InvalidRequest) {
      const first = error.issues[0]!;
      return reply.code(400).send({ error: "invalid-request", field: `${error.where === "body" ? "" : `${error.where}.`}${first.field}`, message: first.message, issues: error.issues } satisfies ErrorBody);
    }
    if (isFleetError(error)) return reply.code(FLEET_STATUS[error.code] ?? 400).send({ error: error.code, message: error.message } satisfies ErrorBody);
    if (error instanceof AccountUnreachable) {
      return reply.code(error.status).send({ error: "account-unreachable", message: error.message, ...(error.code ? { code: error.code } : {}) } satisfies ErrorBody);
    }
    const status = (error as { statusCode?: unknown }).statusCode;
    if (typeof status === "number" && status >= 400 && status < 500) {
      // fastify's own: a body that is not JSON, too large, a media type it does not parse.
      return reply.code(status).send({ error: "bad-request", message: (error as Error).message, ...(typeof (error as { code?: unknown }).code === "string" ? { code: (error as { code: string }).code } : {}) } satisfies ErrorBody);
    }
    const code = causeCode(error);
    request.log.error({ err: { message: error instanceof Error ? error.message : String(error), code } }, "request failed");
    if (code !== undefined && DATABASE_AWAY.test(code)) return reply.code(503).send({ error: "database-unavailable", message: "the database does not answer; try again later", code } satisfies ErrorBody);
    return reply.code(500).send({ error: "internal", message: "internal error (see the service's log)" } satisfies ErrorBody);
  });
  app.setNotFoundHandler((request, reply) => reply.code(404).send({ error: "not-found", message: `no route ${request.method} ${request.url.split("?")[0]}` } satisfies ErrorBody));

  // Probes and metrics.
  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/readyz", async (_request, reply) => {
    let database = "ok";
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([checkDatabase(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error("timeout")), readyMs)))]);
    } catch {
      database = "unreachable";
    } finally {
      clearTimeout(timer);
    }
    const checks = {
      database,
      fleet: state.fleetOpen ? "open" : "stopping",
      workers: `${state.workersRunning}/${state.workersWanted}`,
      scheduler: state.schedulerWanted ? (state.schedulerRunning ? "running" : "stopped") : "off",
    };
    const ready = database === "ok" && state.fleetOpen && state.workersRunning >= state.workersWanted && (!state.schedulerWanted || state.schedulerRunning);
    return reply.code(ready ? 200 : 503).send({ ready, checks });
  });
  app.get("/metrics", async (_request, reply) => {
    const { contentType, body } = await metrics.scrape();
    return reply.type(contentType).send(body);
  });

  // Accounts.
  app.get("/v1/accounts", async () => ({ accounts: await fleet.listAccounts() }));
  app.post("/v1/accounts", async (request, reply) => {
    const body = parse(AddAccountBody, request.body, "body");
    // A delegated OAuth account has no sign-in yet (its token cache comes next): stored unchecked.
    if (body.config.type === "ews" && body.config.auth.type === "oauth" && body.config.auth.flow === "delegated") {
      await fleet.addAccount(body.id, body.config, body.secret);
      return reply.code(201).send({ id: body.id, collections: null, next: `PUT /v1/accounts/${body.id}/token-cache` });
    }
    // Connect first, as a worker would: an account that cannot sign in is refused, nothing stored.
    const collections = await connecting(422, probeMs, body.secret, (signal) => fleet.probeAccount(body.id, body.config, body.secret, signal));
    await fleet.addAccount(body.id, body.config, body.secret);
    return reply.code(201).send({ id: body.id, collections });
  });
  app.get("/v1/accounts/:id", async (request) => {
    const { id } = parse(IdParams, request.params, "params");
    const account = (await fleet.listAccounts()).find((a) => a.id === id);
    if (!account) throw new FleetError("unknown-account", `no account ${id}`);
    return account;
  });
  app.delete("/v1/accounts/:id", async (request, reply) => {
    const { id } = parse(IdParams, request.params, "params");
    await fleet.removeAccount(id);
    return reply.code(204).send();
  });
  app.put("/v1/accounts/:id/secret", async (request, reply) => {
    const { id } = parse(IdParams, request.params, "params");
    const { secret } = parse(SetSecretBody, request.body, "body");
    const account = (await fleet.listAccounts()).find((a) => a.id === id);
    if (!account) throw new FleetError("unknown-account", `no account ${id}`);
    if (account.config.type === "vdir") throw new FleetError("invalid", `account ${id} is a vdir account: it has no secret`);
    // The new secret must sign in before it replaces the old one.
    await connecting(422, probeMs, secret, (signal) => fleet.probeAccount(id, account.config, secret, signal));
    await fleet.setSecret(id, secret);
    return reply.code(204).send();
  });
  app.put("/v1/accounts/:id/token-cache", async (request, reply) => {
    const { id } = parse(IdParams, request.params, "params");
    const { cache } = parse(TokenCacheBody, request.body, "body");
    // Stored encrypted (access tokens stripped); the answer tells its version, never its content.
    const version = await fleet.importTokenCache(id, cache);
    return reply.code(200).send({ id, version });
  });
  app.get("/v1/accounts/:id/collections", async (request) => {
    const { id } = parse(IdParams, request.params, "params");
    return { collections: await connecting(502, probeMs, undefined, (signal) => fleet.listCollections(id, signal)) };
  });

  // Pairs.
  app.get("/v1/pairs", async () => ({ pairs: await fleet.listPairs() }));
  app.post("/v1/pairs", async (request, reply) => {
    const { intervalMs, ...pair } = parse(LinkPairBody, request.body, "body");
    const id = await fleet.linkPair(pair, intervalMs === undefined ? {} : { intervalMs });
    return reply.code(201).send({ id });
  });
  app.get("/v1/pairs/:id", async (request) => {
    const { id } = parse(IdParams, request.params, "params");
    const { runs } = parse(RunsQuery, request.query, "query");
    return fleet.status(id, { runs });
  });
  app.get("/v1/pairs/:id/runs", async (request) => {
    const { id } = parse(IdParams, request.params, "params");
    const { limit } = parse(LimitQuery, request.query, "query");
    return { runs: (await fleet.status(id, { runs: limit })).runs };
  });
  app.delete("/v1/pairs/:id", async (request, reply) => {
    const { id } = parse(IdParams, request.params, "params");
    await fleet.unlinkPair(id);
    return reply.code(204).send();
  });
  app.post("/v1/pairs/:id/sync", async (request, reply) => {
    const { id } = parse(IdParams, request.params, "params");
    const jobId = await fleet.triggerSync(id);
    // null: a job of the pair is waiting already, and will run.
    return reply.code(202).send({ pairId: id, queued: jobId !== null, jobId });
  });
  app.post("/v1/pairs/:id/park", async (request, reply) => {
    const { id } = parse(IdParams, request.params, "params");
    const { reason } = parse(ParkBody, request.body ?? {}, "body");
    await fleet.park(id, reason);
    return reply.code(204).send();
  });
  app.post("/v1/pairs/:id/release", async (request, reply) => {
    const { id } = parse(IdParams, request.params, "params");
    await fleet.releasePair(id);
    return reply.code(204).send();
  });
  return app;
}
