/**
 * MSAL's network module (createMsalNetworkClient) over real loopback connections: one deadline over
 * headers and body, the size cap, typed failures naming the identity platform's origin only, and no
 * secret of a token request (client secret, code, refresh token) in any error or MSAL log line.
 * The end-to-end cases run the token providers against a loopback HTTPS identity platform that
 * stops answering (test CA, host mapped to loopback).
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { Dispatcher } from "undici";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestCertificateAuthority, type TestCertificateAuthority } from "@ewsdav/ews-simulator";
import {
  createMsalNetworkClient,
  ExchangeOnlineAppOnlyTokenProvider,
  ExchangeOnlineDelegatedTokenProvider,
  OAuthError,
  TokenResponseTooLargeError,
  type TokenNetworkFailure,
} from "../src/auth/oauth.js";
import { createAutodiscoverDispatcher } from "../src/autodiscover/network.js";
import { EwsInputError, TransportError } from "../src/errors.js";
import type { EwsLogger } from "../src/transport/logging-layer.js";

const CLIENT_SECRET = "app-secret-Zq4~network";
const REFRESH_TOKEN = "0.AAAA-refresh~Tk9xYz";
const CODE = "OAQABAAIAAAD-code~Wq1";
/** A token request body as MSAL sends it, every secret in it. */
const FORM = `client_id=c1&grant_type=refresh_token&refresh_token=${REFRESH_TOKEN}&client_secret=${CLIENT_SECRET}&code=${CODE}`;
const SECRETS = [CLIENT_SECRET, REFRESH_TOKEN, CODE];

/** Everything an error shows: its message, its fields, and the same for every cause down the chain. */
function errorText(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    parts.push(String((e as Error).message), String((e as Error).stack), JSON.stringify(e));
  }
  return parts.join("\n");
}

function expectNoSecret(text: string): void {
  for (const secret of SECRETS) expect(text).not.toContain(secret);
}

/** What the loopback server does with each path. */
type Route = (request: IncomingMessage, response: ServerResponse, body: string) => void;

const routes: Record<string, Route> = {
  "/token": (_request, response, body) => {
    response.writeHead(200, { "content-type": "application/json" });
    response.end(JSON.stringify({ access_token: "at.1", token_type: "Bearer", expires_in: 3600, echoed: body.length }));
  },
  "/html": (_request, response) => {
    response.writeHead(502, { "content-type": "text/html" });
    response.end("<html>bad gateway</html>");
  },
  // Never answers: the deadline ends the request before any header.
  "/silent": () => {},
  // Headers and a first part of the body, then silence: the same deadline ends the body.
  "/stalls": (_request, response) => {
    response.writeHead(200, { "content-type": "application/json" });
    response.write('{"access_token":"at.');
  },
  // Echoes the request (secrets included) in an answer over the cap.
  "/echo-big": (_request, response, body) => {
    response.writeHead(400, { "content-type": "application/json" });
    response.end(JSON.stringify({ error: "invalid_grant", error_description: `${body} ${"x".repeat(4096)}` }));
  },
  // Echoes the request, then cuts the connection in the middle of the answer.
  "/echo-cut": (request, response, body) => {
    response.writeHead(400, { "content-type": "application/json", "content-length": "100000" });
    response.write(JSON.stringify({ error_description: body }));
    setImmediate(() => request.socket.destroy());
  },
};

let server: Server;
let base: string;
/** The dispatchers of the current test (one each, so no test meets another's kept-alive connection). */
const dispatchers: Dispatcher[] = [];

beforeAll(async () => {
  server = createHttpServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => routes[new URL(request.url ?? "/", base).pathname]!(request, response, Buffer.concat(chunks).toString("utf8")));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(async () => {
  await Promise.all(dispatchers.splice(0).map((dispatcher) => dispatcher.destroy()));
  server.closeAllConnections();
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** The network module with its failures recorded, as the token providers use it. */
function network(options: { maxResponseBytes?: number; requestTimeoutMs?: number } = {}) {
  const failures: TokenNetworkFailure[] = [];
  const dispatcher = createAutodiscoverDispatcher({});
  dispatchers.push(dispatcher);
  const client = createMsalNetworkClient(dispatcher, { ...options, onFailure: (error) => failures.push(error) });
  return { client, failures };
}

const post = { headers: { "content-type": "application/x-www-form-urlencoded;charset=utf-8" }, body: FORM };

describe("MSAL's network module", () => {
  it("posts the form and returns the status, headers and JSON body; a body that is not JSON is empty", async () => {
    const { client, failures } = network();
    const ok = await client.sendPostRequestAsync<{ access_token: string; echoed: number }>(`${base}/token`, post);
    expect(ok.status).toBe(200);
    expect(ok.headers["content-type"]).toBe("application/json");
    expect(ok.body).toMatchObject({ access_token: "at.1", echoed: FORM.length });
    const html = await client.sendGetRequestAsync(`${base}/html`);
    expect([html.status, html.body]).toEqual([502, {}]);
    expect(failures).toEqual([]);
  });

  it("ends a request without an answer at the deadline MSAL gives a GET, with a typed error naming the origin", async () => {
    const { client, failures } = network();
    const error = await client.sendGetRequestAsync(`${base}/silent?client_secret=${CLIENT_SECRET}`, {}, 150).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect((error as TransportError).message).toBe(`The identity platform at ${base} gave no answer within 150 ms`);
    expect((error as TransportError).transportCode).toBe("ETIMEDOUT");
    expect(failures).toEqual([error]);
    expectNoSecret(errorText(error));
  });

  it("holds one deadline over headers and body: an answer that stalls after its headers ends at it too", async () => {
    const { client, failures } = network({ requestTimeoutMs: 150 });
    const error = await client.sendPostRequestAsync(`${base}/stalls`, post).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect((error as TransportError).message).toBe(`The identity platform at ${base} gave no answer within 150 ms`);
    expect(failures).toEqual([error]);
    expectNoSecret(errorText(error));
  });

  it("reports an unreachable identity platform with the connection's error code", async () => {
    const closed = createHttpServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const { client } = network();
    const error = (await client.sendPostRequestAsync(`${url}/token`, post).catch((e: unknown) => e)) as TransportError;
    expect(error).toBeInstanceOf(TransportError);
    expect(error.message).toBe(`The request to the identity platform at ${url} failed (ECONNREFUSED)`);
    expect(error.transportCode).toBe("ECONNREFUSED");
    expectNoSecret(errorText(error));
  });

  it("refuses an answer over the cap, and an answer echoing the request's secrets leaves them out of the error", async () => {
    const { client, failures } = network({ maxResponseBytes: 1024 });
    const error = await client.sendPostRequestAsync(`${base}/echo-big`, post).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenResponseTooLargeError);
    expect((error as TokenResponseTooLargeError).message).toBe(`The identity platform at ${base} answered with more than 1024 bytes; refused`);
    expect(failures).toEqual([error]);
    expectNoSecret(errorText(error));
  });

  it("keeps the secrets an answer cut off in the middle echoed out of the error", async () => {
    const { client } = network();
    const error = await client.sendPostRequestAsync(`${base}/echo-cut`, post).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect((error as TransportError).message).toMatch(new RegExp(`^The request to the identity platform at ${base} failed`));
    expectNoSecret(errorText(error));
  });
});

describe("token providers when the identity platform stops answering", () => {
  const HOST = "login.stalled.test";
  let ca: TestCertificateAuthority;
  let stalled: ReturnType<typeof createHttpsServer>;
  let port: number;
  const tokenRequests: string[] = [];

  beforeAll(async () => {
    ca = createTestCertificateAuthority();
    // Answers the OpenID configuration, keeps what a token request sends, and never answers it.
    const tenant = `https://${HOST}/contoso-tenant`;
    stalled = createHttpsServer(ca.issue([HOST]), (request, response) => {
      if (request.method === "GET" && request.url?.endsWith("/.well-known/openid-configuration")) {
        response.writeHead(200, { "content-type": "application/json" });
        response.end(
          JSON.stringify({
            token_endpoint: `${tenant}/oauth2/v2.0/token`,
            authorization_endpoint: `${tenant}/oauth2/v2.0/authorize`,
            device_authorization_endpoint: `${tenant}/oauth2/v2.0/devicecode`,
            end_session_endpoint: `${tenant}/oauth2/v2.0/logout`,
            jwks_uri: `${tenant}/discovery/v2.0/keys`,
            issuer: `${tenant}/v2.0`,
          }),
        );
        return;
      }
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => tokenRequests.push(Buffer.concat(chunks).toString("utf8")));
    });
    await new Promise<void>((resolve) => stalled.listen(0, "127.0.0.1", resolve));
    port = (stalled.address() as AddressInfo).port;
  });
  afterAll(async () => {
    stalled.closeAllConnections();
    await new Promise<void>((resolve) => stalled.close(() => resolve()));
    ca.dispose();
  });

  function common(logger?: EwsLogger) {
    return {
      clientId: "3f1c2a9e-0000-4000-8000-00000000c1d0",
      authority: `https://${HOST}/contoso-tenant`,
      knownAuthorities: [HOST],
      network: { ca: ca.caCert, requestTimeoutMs: 200, resolveEndpoint: () => ({ host: "127.0.0.1", port }) },
      ...(logger ? { logger } : {}),
    };
  }

  it("names the token request's deadline in the typed error; the secret it sent reaches neither the error nor MSAL's log", async () => {
    const lines: string[] = [];
    const logger: EwsLogger = {
      debug: (message, fields) => lines.push(`${message} ${JSON.stringify(fields)}`),
      warn: (message, fields) => lines.push(`${message} ${JSON.stringify(fields)}`),
    };
    const provider = new ExchangeOnlineAppOnlyTokenProvider({ ...common(logger), clientSecret: CLIENT_SECRET });
    const error = (await provider.getToken({ forceRefresh: false }).catch((e: unknown) => e)) as OAuthError;
    expect(error).toBeInstanceOf(OAuthError);
    expect(error.code).toBe("OAUTH_TOKEN_FAILED");
    expect(error.message).toBe(`App-only token request failed: network_error: The identity platform at https://${HOST} gave no answer within 200 ms`);
    expect(tokenRequests.at(-1)).toContain(`client_secret=${encodeURIComponent(CLIENT_SECRET)}`);
    expectNoSecret(errorText(error));
    expect(lines.length).toBeGreaterThan(0);
    expectNoSecret(lines.join("\n"));
  });

  it("refuses a redirect that is not a URL without quoting it (it carries the code)", async () => {
    const provider = new ExchangeOnlineDelegatedTokenProvider(common());
    const error = await provider.completeAuthorization(`::not a url?code=${CODE}`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EwsInputError);
    expect((error as EwsInputError).field).toBe("redirectedTo");
    expectNoSecret(errorText(error));
  });
});
