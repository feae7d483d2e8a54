/**
 * The simulator's HTTP front: `/EWS/Exchange.asmx` on loopback (path matched without regard
 * to case), Basic authentication, SOAP 1.1 envelopes with ServerVersionInfo in every response,
 * SOAP faults shaped like Exchange's, optional schema validation of every request, fault
 * injection, a recorder of exchanges and per-operation request counters.
 */
import { randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { constants, gzipSync } from "node:zlib";
import { bodyEnvelope, escape, faultEnvelope } from "./envelopes.js";
import { SimFault } from "./errors.js";
import { EwsFaultInjector } from "./faults.js";
import { SimulatedMailbox } from "./mailbox.js";
import { SubscriptionRegistry } from "./notifications.js";
import type { OperationContext } from "./operation-context.js";
import { OPERATIONS } from "./operations.js";
import { createEwsSchemaValidator, type EwsSchemaValidator, type EwsSchemaViolation } from "./schema-validator.js";
import { type EwsSimulatorSeed, seedLarge, seedPublicFolders, seedSmall } from "./seed.js";
import { acceptedVersions, type EwsServerVersionInfo, EXCHANGE_2010_SP2_VERSION, EXCHANGE_2016_VERSION, newerThanRequested, withoutNewerThan } from "./versions.js";
import { child, childText, NS_M, NS_SOAP, parseXml, SimXmlError, type XmlElement } from "./xml.js";

/** A user the simulator accepts, with their mailbox. */
export interface EwsSimulatorUser {
  /** Primary SMTP address (also a valid login name). */
  smtpAddress: string;
  /** Password for Basic authentication. */
  password: string;
  /** Another login name, `DOMAIN\user` or `user@domain`. */
  username?: string;
  /** Display name (defaults to the address's local part). */
  displayName?: string;
}

/** Options for {@link startEwsSimulator}. */
export interface EwsSimulatorOptions {
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** Port (default 0: a free port). */
  port?: number;
  /** Accepted users (default alice@example.com / secret). */
  users?: EwsSimulatorUser[];
  /** Data set for every mailbox (default `empty`). */
  seed?: EwsSimulatorSeed;
  /**
   * The folder holding messages.xsd/types.xsd (see schema-validator.ts). When set, every request
   * is validated against the schema before it runs and refused with an ErrorSchemaValidation
   * fault when invalid, as Exchange does. Validation compiles the schema once per batch (about
   * half a second), so concurrent requests are validated together; sequential requests each pay
   * that cost. Without it, requests are only checked by the simulator's own parsing, and
   * {@link EwsSimulator.validateExchanges} can validate the recorded traffic afterwards.
   */
  schemaDir?: string;
  /**
   * Reported ServerVersionInfo (default {@link EXCHANGE_2016_VERSION}). Requests for a later
   * RequestServerVersion than its `Version` get ErrorInvalidServerVersion (e.g. with
   * {@link EXCHANGE_2010_SP2_VERSION}, Exchange2013 requests are refused).
   */
  serverVersion?: EwsServerVersionInfo;
  /** Record exchanges (default true). */
  record?: boolean;
  /** Keep at most this many recorded exchanges, dropping the oldest (default 10,000). */
  maxRecordedExchanges?: number;
  /** Keep at most this many characters of recorded XML, dropping the oldest exchanges (default 64 Mi). */
  maxRecordedChars?: number;
  /** Largest request body accepted, in bytes (default 32 MiB); larger requests get HTTP 413. */
  maxRequestBytes?: number;
  /** Compress responses with gzip when the client accepts it (default true). */
  gzip?: boolean;
  /**
   * Close GetStreamingEvents connections after this many milliseconds instead of the request's
   * ConnectionTimeout (minutes), so tests can see ConnectionStatus Closed quickly.
   */
  streamingConnectionTimeoutMs?: number;
  /**
   * EWSMaxConcurrency: requests one user may have in flight (Exchange 2010: 10, 2013+ and Online:
   * 27). A request beyond it gets the ErrorExceededConnectionCount SOAP fault and does not run.
   * Default: unlimited.
   */
  maxConcurrentRequests?: number;
}

/** One request and its response, as recorded. */
export interface RecordedExchange {
  /** Operation (the SOAP body's element name), or null when the request could not be parsed. */
  operation: string | null;
  /** The request body. */
  requestXml: string;
  /** The response body (the whole XML, even when a fault truncated what was sent). */
  responseXml: string;
  /** HTTP status. */
  status: number;
  /** The SOAP fault's ResponseCode, when the response is a fault. */
  faultCode: string | null;
  /** The authenticated mailbox. */
  user: string | null;
  /** GetStreamingEvents: every envelope sent on the stream (responseXml is the first). */
  streamedXml?: string[];
}

/** A violation found by {@link EwsSimulator.validateExchanges}. */
export interface RecordedViolation extends EwsSchemaViolation {
  /** Index in {@link EwsSimulator.exchanges}. */
  exchange: number;
  /** Which side broke the schema. */
  side: "request" | "response";
  operation: string | null;
}

/** A running simulator. */
export interface EwsSimulator {
  /** `http://HOST:PORT/EWS/Exchange.asmx`. */
  readonly url: string;
  /** Stops listening and closes every connection. */
  stop(): Promise<void>;
  /** The programmatic API of a mailbox ("another client"); throws for unknown addresses. */
  mailbox(smtpAddress: string): SimulatedMailbox;
  /** The public folder store (publicfoldersroot). */
  readonly publicFolders: SimulatedMailbox;
  /** Fault injection. */
  readonly faults: EwsFaultInjector;
  /** Recorded exchanges, oldest first. */
  readonly exchanges: readonly RecordedExchange[];
  /** Forgets recorded exchanges and counters. */
  clearExchanges(): void;
  /** Requests received per operation (including refused and faulted ones) since start or the last clear. */
  requestCounts(): Record<string, number>;
  /** Requests received for one operation, or in total. */
  requestCount(operation?: string): number;
  /** Highest number of requests one user had in flight at once since start or the last clear. */
  peakConcurrentRequests(): number;
  /**
   * Validates every recorded request, and every recorded non-fault response, against the schema in
   * one batch. Needs `schemaDir` here or in the options.
   */
  validateExchanges(schemaDir?: string): Promise<RecordedViolation[]>;
}


const DEFAULT_USERS: EwsSimulatorUser[] = [{ smtpAddress: "alice@example.com", password: "secret" }];

/** Micro-batches validations of concurrent requests into one schema compilation. */
class BatchingValidator {
  private queue: Array<{ doc: string; resolve: (v: EwsSchemaViolation[]) => void; reject: (e: unknown) => void }> = [];
  private running = false;
  constructor(private readonly validator: EwsSchemaValidator) {}

  validate(doc: string): Promise<EwsSchemaViolation[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ doc, resolve, reject });
      if (!this.running) setImmediate(() => void this.run());
    });
  }

  private async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0);
        try {
          const violations = await this.validator.validate(batch.map((b) => b.doc));
          batch.forEach((b, i) => b.resolve(violations.filter((v) => v.document === i)));
        } catch (error) {
          for (const b of batch) b.reject(error);
        }
      }
    } finally {
      this.running = false;
    }
  }
}

/** Where a `cutBody` fault ends the body: after the n-th `after`, or at half. */
function cutOffset(bytes: Buffer, after: string | undefined, occurrence: number): number {
  if (after !== undefined) {
    const needle = Buffer.from(after, "utf8");
    let at = -1;
    for (let n = 0; n < occurrence; n++) {
      at = bytes.indexOf(needle, at + 1);
      if (at < 0) break;
    }
    if (at >= 0) return at + needle.length;
  }
  return Math.floor(bytes.length / 2);
}

class Fault extends Error {
  constructor(readonly code: string, message: string, readonly messageXml = "") {
    super(message);
  }
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Starts an EWS simulator on loopback; see {@link EwsSimulatorOptions}. */
export async function startEwsSimulator(options: EwsSimulatorOptions = {}): Promise<EwsSimulator> {
  const host = options.host ?? "127.0.0.1";
  const users = options.users ?? DEFAULT_USERS;
  const version = options.serverVersion ?? EXCHANGE_2016_VERSION;
  const record = options.record ?? true;
  const maxRecorded = options.maxRecordedExchanges ?? 10_000;
  const maxRecordedChars = options.maxRecordedChars ?? 64 * 1024 * 1024;
  let recordedChars = 0;
  const maxRequestBytes = options.maxRequestBytes ?? 32 * 1024 * 1024;
  const useGzip = options.gzip ?? true;
  const accepted = acceptedVersions(version.Version);
  const syncSecret = randomBytes(16).toString("hex");
  const validator = options.schemaDir ? new BatchingValidator(createEwsSchemaValidator({ schemaDir: options.schemaDir })) : undefined;

  const mailboxes = new Map<string, SimulatedMailbox>();
  const stores = new Map<string, SimulatedMailbox>();
  const publicStore = new SimulatedMailbox("public-folders@simulator.invalid", "Public Folders", true);
  stores.set(publicStore.guidHex, publicStore);
  for (const user of users) {
    const box = new SimulatedMailbox(user.smtpAddress, user.displayName ?? user.smtpAddress.split("@")[0]!);
    mailboxes.set(user.smtpAddress.toLowerCase(), box);
    stores.set(box.guidHex, box);
    const seed = options.seed ?? "empty";
    if (seed === "small") seedSmall(box);
    else if (seed === "large") seedLarge(box);
    else if (typeof seed === "function") seed(box);
  }
  if (options.seed === "small" || options.seed === "large") seedPublicFolders(publicStore);

  const faults = new EwsFaultInjector();
  const subscriptions = new SubscriptionRegistry();
  const handlers = { ...OPERATIONS, ...subscriptions.operations() };
  const openStreams = new Set<() => void>();
  let exchanges: RecordedExchange[] = [];
  let counts: Record<string, number> = {};
  const sockets = new Set<Socket>();
  const inFlight = new Map<string, number>();
  let peakConcurrency = 0;

  const authenticate = (header: string | undefined): SimulatedMailbox | undefined => {
    const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? "");
    if (!m) return undefined;
    const decoded = Buffer.from(m[1]!, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon === -1) return undefined;
    const login = decoded.slice(0, colon).toLowerCase();
    const password = decoded.slice(colon + 1);
    for (const user of users) {
      const smtp = user.smtpAddress.toLowerCase();
      const local = smtp.split("@")[0]!;
      const names = new Set([smtp, user.username?.toLowerCase()].filter((n): n is string => !!n));
      const backslash = login.lastIndexOf("\\");
      const matches = names.has(login) || (backslash !== -1 && (login.slice(backslash + 1) === local || names.has(login.slice(backslash + 1))));
      if (matches && sameSecret(password, user.password)) return mailboxes.get(smtp);
    }
    return undefined;
  };

  const readBody = (req: IncomingMessage): Promise<string | null> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let tooLarge = false;
      req.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxRequestBytes) tooLarge = true;
        else chunks.push(chunk);
      });
      req.on("end", () => resolve(tooLarge ? null : Buffer.concat(chunks).toString("utf8")));
      req.on("error", reject);
    });

  const remember = (entry: RecordedExchange) => {
    if (!record) return;
    exchanges.push(entry);
    recordedChars += entry.requestXml.length + entry.responseXml.length;
    let drop = 0;
    while (exchanges.length - drop > 1 && (exchanges.length - drop > maxRecorded || recordedChars > maxRecordedChars)) {
      const old = exchanges[drop++]!;
      recordedChars -= old.requestXml.length + old.responseXml.length;
    }
    if (drop > 0) exchanges.splice(0, drop);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? "/").split("?")[0]!.toLowerCase();
    if (path !== "/ews/exchange.asmx") {
      res.writeHead(404, { "Content-Type": "text/plain" }).end("Not found");
      return;
    }
    const box = authenticate(req.headers.authorization);
    if (!box) {
      req.resume();
      res.writeHead(401, { "WWW-Authenticate": `Basic realm="${host}"`, "Content-Length": "0" }).end();
      return;
    }
    const user = box.smtpAddress;
    const running = (inFlight.get(user) ?? 0) + 1;
    inFlight.set(user, running);
    peakConcurrency = Math.max(peakConcurrency, running);
    try {
      await handleAuthenticated(req, res, box, running);
    } finally {
      inFlight.set(user, (inFlight.get(user) ?? 1) - 1);
    }
  };

  const handleAuthenticated = async (req: IncomingMessage, res: ServerResponse, box: SimulatedMailbox, running: number): Promise<void> => {
    if (req.method !== "POST") {
      req.resume();
      res.writeHead(405, { Allow: "POST", "Content-Length": "0" }).end();
      return;
    }
    const contentType = (req.headers["content-type"] ?? "").toLowerCase();
    if (!contentType.startsWith("text/xml") && !contentType.startsWith("application/soap+xml")) {
      req.resume();
      res.writeHead(415, { "Content-Length": "0" }).end();
      return;
    }
    const requestXml = await readBody(req);
    if (requestXml === null) {
      res.writeHead(413, { "Content-Length": "0", Connection: "close" }).end();
      return;
    }

    let operation: string | null = null;
    let status = 200;
    let responseXml: string;
    let faultCode: string | null = null;
    let injected: ReturnType<EwsFaultInjector["take"]> = { latency: 0, fault: undefined };
    try {
      let envelope: XmlElement;
      try {
        envelope = parseXml(requestXml);
      } catch (error) {
        if (!(error instanceof SimXmlError)) throw error;
        throw new Fault("ErrorSchemaValidation", `The request failed schema validation: ${error.message} Line ${error.line}, position ${error.column}.`,
          `<t:LineNumber>${error.line}</t:LineNumber><t:LinePosition>${error.column}</t:LinePosition><t:Violation>${escape(error.message)}</t:Violation>`);
      }
      const body = envelope.ns === NS_SOAP && envelope.name === "Envelope" ? child(envelope, "Body") : undefined;
      const payload = body?.children[0];
      if (!body || body.ns !== NS_SOAP || !payload || payload.ns !== NS_M || body.children.length !== 1) {
        throw new Fault("ErrorInvalidRequest", "The request is invalid.");
      }
      operation = payload.name;
      counts[operation] = (counts[operation] ?? 0) + 1;
      if (options.maxConcurrentRequests !== undefined && running > options.maxConcurrentRequests) {
        throw new Fault("ErrorExceededConnectionCount", "You have exceeded the maximum number of concurrent connections for your account. Try again once your other requests have completed.");
      }
      injected = faults.take(operation);
      if (injected.fault?.kind === "serverBusy") {
        const backOff = injected.fault.backOffMilliseconds ?? 1000;
        throw new Fault("ErrorServerBusy", "The server cannot service this request right now. Try again later.", `<t:Value Name="BackOffMilliseconds">${backOff}</t:Value>`);
      }
      if (injected.fault?.kind === "http503" || injected.fault?.kind === "http429") {
        if (injected.latency) await new Promise((r) => setTimeout(r, injected.latency));
        const code = injected.fault.kind === "http503" ? 503 : 429;
        res.writeHead(code, { "Retry-After": String(injected.fault.retryAfterSeconds ?? 1), "Content-Type": "text/plain", "Content-Length": "0" }).end();
        remember({ operation, requestXml, responseXml: "", status: code, faultCode: null, user: box.smtpAddress });
        return;
      }
      if (validator) {
        const violations = await validator.validate(requestXml);
        const first = violations[0];
        if (first) {
          throw new Fault("ErrorSchemaValidation", `The request failed schema validation: ${first.message}`,
            `<t:LineNumber>${first.line ?? 0}</t:LineNumber><t:LinePosition>0</t:LinePosition><t:Violation>${escape(first.message)}</t:Violation>`);
        }
      }
      const handler = operation === "GetStreamingEvents" ? undefined : handlers[operation];
      if (!handler && operation !== "GetStreamingEvents") {
        throw new Fault("ErrorInvalidRequest", `The request is invalid: the simulator does not implement ${operation}.`);
      }
      const header = child(envelope, "Header");
      const requested = child(header, "RequestServerVersion")?.attrs.Version;
      if (requested !== undefined && !accepted.has(requested)) {
        throw new Fault("ErrorInvalidServerVersion", "The specified server version is invalid.");
      }
      const tooNew = newerThanRequested(payload, requested ?? "Exchange2007");
      if (tooNew !== undefined) {
        const violation = `The element '${tooNew}' is not valid in a request for ${requested ?? "Exchange2007"}.`;
        throw new Fault("ErrorSchemaValidation", `The request failed schema validation: ${violation}`,
          `<t:LineNumber>0</t:LineNumber><t:LinePosition>0</t:LinePosition><t:Violation>${escape(violation)}</t:Violation>`);
      }
      const impersonation = child(header, "ExchangeImpersonation");
      let target = box;
      if (impersonation) {
        const sid = child(impersonation, "ConnectingSID");
        const address = childText(sid, "PrimarySmtpAddress") ?? childText(sid, "SmtpAddress") ?? childText(sid, "PrincipalName") ?? "";
        const found = mailboxes.get(address.toLowerCase());
        if (!found) throw new Fault("ErrorNonExistentMailbox", `The SMTP address has no mailbox associated with it.`);
        target = found;
      }
      const ctx: OperationContext = {
        box: target, storeByGuid: (g) => stores.get(g), mailboxByAddress: (a) => mailboxes.get(a.toLowerCase()), publicStore, syncSecret,
        timeZoneContext: child(child(header, "TimeZoneContext"), "TimeZoneDefinition"),
      };
      if (!handler) {
        const envelopes: string[] = [];
        const user = box.smtpAddress;
        res.writeHead(200, { "Content-Type": "text/xml; charset=utf-8", "request-id": randomUUID() });
        let stopStream: () => void = () => undefined;
        stopStream = subscriptions.stream(payload, ctx, (element) => {
          const xml = bodyEnvelope(version, element, false);
          envelopes.push(xml);
          res.write(xml);
        }, () => {
          openStreams.delete(stopStream);
          res.end();
          remember({ operation, requestXml, responseXml: envelopes[0] ?? "", status: 200, faultCode: null, user, streamedXml: envelopes });
        }, options.streamingConnectionTimeoutMs);
        openStreams.add(stopStream);
        res.on("close", () => stopStream());
        return;
      }
      responseXml = bodyEnvelope(version, withoutNewerThan(handler(payload, ctx), requested ?? "Exchange2007"));
    } catch (error) {
      status = 500;
      if (error instanceof Fault || error instanceof SimFault) {
        faultCode = error.code;
        const messageXml =
          error instanceof Fault
            ? error.messageXml
            : error.code === "ErrorSchemaValidation"
              ? `<t:LineNumber>0</t:LineNumber><t:LinePosition>0</t:LinePosition><t:Violation>${escape(error.message.replace(/^The request failed schema validation: /, ""))}</t:Violation>`
              : "";
        responseXml = faultEnvelope(version, error.code, error.message, messageXml);
      } else {
        faultCode = "ErrorInternalServerError";
        responseXml = faultEnvelope(version, "ErrorInternalServerError", "An internal server error occurred. The operation failed.");
        process.emitWarning(`EWS simulator: internal error in ${operation ?? "request"}: ${(error as Error).stack ?? String(error)}`);
      }
    }
    remember({ operation, requestXml, responseXml, status, faultCode, user: box.smtpAddress });
    if (injected.latency) await new Promise((r) => setTimeout(r, injected.latency));

    let bytes = Buffer.from(responseXml, "utf8");
    const headers: Record<string, string> = { "Content-Type": "text/xml; charset=utf-8", "request-id": randomUUID() };
    if (injected.fault?.kind === "truncatedBody") {
      res.writeHead(status, headers);
      res.end(bytes.subarray(0, Math.floor(bytes.length / 2)));
      return;
    }
    if (injected.fault?.kind === "cutBody") {
      const cut = cutOffset(bytes, injected.fault.after, injected.fault.occurrence ?? 1);
      const part = bytes.subarray(0, cut);
      if (injected.fault.framing === "length") {
        res.writeHead(status, { ...headers, "Content-Length": String(part.length) }).end(part);
        return;
      }
      // Close-delimited: no Content-Length, no chunked framing; the end of the body is the end of the connection.
      res.removeHeader("transfer-encoding");
      res.shouldKeepAlive = false;
      res.writeHead(status, { ...headers, Connection: "close" });
      res.write(part);
      res.end();
      return;
    }
    if (useGzip && /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? "")) && bytes.length > 1024) {
      // The fastest level: the same answer once decoded, at less than half the simulator's CPU of the default level.
      bytes = gzipSync(bytes, { level: constants.Z_BEST_SPEED });
      headers["Content-Encoding"] = "gzip";
    }
    headers["Content-Length"] = String(bytes.length);
    if (injected.fault?.kind === "connectionReset") {
      res.writeHead(status, headers);
      res.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => {
        const socket = res.socket;
        if (socket && "resetAndDestroy" in socket && typeof socket.resetAndDestroy === "function") socket.resetAndDestroy();
        else socket?.destroy();
      });
      return;
    }
    res.writeHead(status, headers).end(bytes);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      process.emitWarning(`EWS simulator: ${(error as Error).message}`);
      if (!res.headersSent) res.writeHead(500, { "Content-Length": "0" }).end();
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 30_000;
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}/EWS/Exchange.asmx`;

  return {
    url,
    publicFolders: publicStore,
    faults,
    get exchanges() {
      return exchanges;
    },
    mailbox(smtpAddress) {
      const box = mailboxes.get(smtpAddress.toLowerCase());
      if (!box) throw new Error(`The simulator has no mailbox ${smtpAddress}`);
      return box;
    },
    clearExchanges() {
      exchanges = [];
      recordedChars = 0;
      peakConcurrency = 0;
      counts = {};
    },
    requestCounts() {
      return { ...counts };
    },
    peakConcurrentRequests() {
      return peakConcurrency;
    },
    requestCount(operation) {
      return operation ? (counts[operation] ?? 0) : Object.values(counts).reduce((a, b) => a + b, 0);
    },
    async validateExchanges(schemaDir) {
      const dir = schemaDir ?? options.schemaDir;
      if (!dir) throw new Error("validateExchanges needs the schema folder (schemaDir)");
      const docs: Array<{ exchange: number; side: "request" | "response"; xml: string }> = [];
      exchanges.forEach((e, i) => {
        if (e.operation !== null) docs.push({ exchange: i, side: "request", xml: e.requestXml });
        if (e.streamedXml) for (const xml of e.streamedXml) docs.push({ exchange: i, side: "response", xml });
        else if (e.status === 200 && e.responseXml) docs.push({ exchange: i, side: "response", xml: e.responseXml });
      });
      const violations = await createEwsSchemaValidator({ schemaDir: dir }).validate(docs.map((d) => d.xml));
      return violations.map((v) => {
        const doc = docs[v.document]!;
        return { ...v, exchange: doc.exchange, side: doc.side, operation: exchanges[doc.exchange]?.operation ?? null };
      });
    },
    stop() {
      for (const stopStream of [...openStreams]) stopStream();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const s of sockets) s.destroy();
      });
    },
  };
}
