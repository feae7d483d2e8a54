/**
 * A scripted HTTP server on loopback for the unit tests of behaviour no real server in the
 * harness shows (truncated sync, 207 precondition failures, throttling, redirects, Nextcloud's
 * layout). Each request is recorded; the handler decides the answer.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One request the server received. */
export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage["headers"];
  readonly body: string;
}

/** A running loopback server. */
export interface LoopbackServer {
  readonly url: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

/** Starts a server answering with `handler`. */
export async function serve(handler: (request: RecordedRequest, response: ServerResponse, index: number) => void | Promise<void>): Promise<LoopbackServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const recorded = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
      requests.push(recorded);
      Promise.resolve(handler(recorded, res, requests.length - 1)).catch((error: unknown) => {
        res.statusCode = 599;
        res.end(String(error));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Answers with a multistatus body. */
export function multistatus(response: ServerResponse, inner: string, status = 207): void {
  response.writeHead(status, { "content-type": "application/xml; charset=utf-8" });
  response.end(`<?xml version="1.0" encoding="utf-8"?><d:multistatus xmlns:d="DAV:">${inner}</d:multistatus>`);
}
