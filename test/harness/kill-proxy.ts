/**
 * Test harness: a reverse proxy on loopback in front of a server the sync host talks to (the EWS
 * simulator, a DAV server), which can kill the host at a chosen request. Killing when the k-th
 * write arrives (`before`: the server never sees it) or once the server has answered it (`after`:
 * the write happened, the host never learns) lands a kill -9 exactly between a side effect and the
 * journal entry that records it — instants a random delay rarely hits.
 *
 * The proxy buffers each request body (to tell writes from reads: PUT/DELETE/MKCOL for DAV,
 * CreateItem/UpdateItem/DeleteItem/CreateFolder for EWS SOAP), forwards it with its own keep-alive
 * agent, and passes the response back unchanged.
 */
import { Agent, createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** What the proxy does at the armed write. */
export interface ArmedKill {
  /** Which write (1-based, counted since the last reset) triggers the kill. */
  write: number;
  /** `before`: kill and drop the request unsent; `after`: forward it, kill once the server answered, drop the answer. */
  when: "before" | "after";
  /** Kills the host (synchronously sends SIGKILL). */
  kill: () => void;
}

/** A running kill proxy. */
export interface KillProxy {
  /** The proxy's base URL (`http://127.0.0.1:PORT`), upstream's path appended by the caller. */
  readonly url: string;
  /** Requests and writes seen since the last {@link KillProxy.reset}. */
  readonly counts: { requests: number; writes: number };
  /** Resolves on the first request after the last reset (the host has started talking). */
  firstRequest(): Promise<void>;
  /** Arms a kill at a write; replaces any armed kill. */
  arm(kill: ArmedKill): void;
  /** Disarms, zeroes the counts and forgets the first request. */
  reset(): void;
  /** Whether the armed kill fired since the last reset. */
  readonly fired: boolean;
  close(): Promise<void>;
}

const EWS_WRITES = /<(?:\w+:)?(CreateItem|UpdateItem|DeleteItem|CreateFolder)[\s>]/;

/** Whether a request changes the server: DAV methods that write, or an EWS write operation. */
export function isWrite(method: string, body: Buffer): boolean {
  if (method === "PUT" || method === "DELETE" || method === "MKCOL" || method === "MKCALENDAR" || method === "PROPPATCH" || method === "MOVE") return true;
  if (method !== "POST") return false;
  // The SOAP body comes after the header; the operation element is the first child of soap:Body.
  const text = body.toString("utf8", 0, Math.min(body.length, 64 * 1024));
  const at = text.search(/<(?:\w+:)?Body[\s>]/);
  return at >= 0 && EWS_WRITES.test(text.slice(at, at + 400));
}

/** Starts a kill proxy in front of `upstream` (an origin, e.g. `http://127.0.0.1:4321`). */
export async function startKillProxy(upstream: string): Promise<KillProxy> {
  const target = new URL(upstream);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const sockets = new Set<Socket>();
  let armed: ArmedKill | undefined;
  let fired = false;
  const counts = { requests: 0, writes: 0 };
  let started: { promise: Promise<void>; resolve: () => void };
  const freshStart = () => {
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    started = { promise, resolve };
  };
  freshStart();

  const drop = (res: ServerResponse) => res.socket?.destroy();

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("error", () => drop(res));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      counts.requests++;
      started.resolve();
      let killAfter: ArmedKill | undefined;
      const write = isWrite(req.method ?? "GET", body);
      if (write) counts.writes++;
      if (write && armed && counts.writes === armed.write) {
        const kill = armed;
        armed = undefined;
        fired = true;
        if (kill.when === "before") {
          kill.kill();
          drop(res);
          return;
        }
        killAfter = kill;
      }
      // The Host header stays the proxy's, so servers that build absolute URLs keep pointing here.
      const headers = req.headers;
      const out = httpRequest(
        { protocol: target.protocol, hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent },
        (upstreamRes) => {
          if (killAfter) {
            // Let the server finish the write, then kill before the host sees the answer.
            upstreamRes.resume();
            upstreamRes.on("end", () => {
              killAfter!.kill();
              drop(res);
            });
            upstreamRes.on("error", () => drop(res));
            return;
          }
          res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
          upstreamRes.pipe(res);
          upstreamRes.on("error", () => drop(res));
        },
      );
      out.on("error", () => drop(res));
      out.end(body);
    });
  });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    firstRequest: () => started.promise,
    arm(kill) {
      armed = kill;
    },
    reset() {
      armed = undefined;
      fired = false;
      counts.requests = 0;
      counts.writes = 0;
      freshStart();
    },
    get fired() {
      return fired;
    },
    async close() {
      for (const s of sockets) s.destroy();
      agent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
