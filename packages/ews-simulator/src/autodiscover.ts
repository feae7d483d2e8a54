/**
 * An autodiscover endpoint for tests: SOAP (`/autodiscover/autodiscover.svc`, GetUserSettings) and
 * POX (`/autodiscover/autodiscover.xml`) served over HTTPS (or plain HTTP) on loopback, with
 * configurable e-mail and URL redirects and plain HTTP redirects, and a log of what it received
 * (whether credentials came, never their value).
 * @module
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { child, childrenNamed, childText, parseXml } from "./xml.js";

/** What the simulated autodiscover answers for one e-mail address. */
export interface SimulatedAutodiscoverUser {
  /** `InternalEwsUrl` (SOAP) / `EwsUrl` of the `EXCH` protocol (POX). */
  internalEwsUrl?: string;
  /** `ExternalEwsUrl` (SOAP) / `EwsUrl` of the `EXPR` protocol (POX). */
  externalEwsUrl?: string;
  /** Answer with an e-mail redirect (SOAP `RedirectAddress`, POX `redirectAddr`). */
  redirectAddress?: string;
  /** Answer with a URL redirect (SOAP `RedirectUrl`, POX `redirectUrl`). */
  redirectUrl?: string;
  /** `CasVersion`, default `15.1.2507.6`. */
  casVersion?: string;
  /** POX `ServerVersion` hex (default `73C18B1F`, i.e. 15.1.2847). */
  poxServerVersion?: string;
  /** POX `TTL` in hours. */
  ttlHours?: number;
  displayName?: string;
}

/** Options of {@link startAutodiscoverSimulator}. */
export interface AutodiscoverSimulatorOptions {
  /** Serve HTTPS with this key and certificate (PEM); plain HTTP when absent. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** Answers per e-mail address (case-insensitive). Unknown addresses get InvalidUser / POX error 500. */
  users?: Record<string, SimulatedAutodiscoverUser>;
  /** Basic credentials required (401 with `WWW-Authenticate: Basic` otherwise); no check when absent. */
  basic?: { username: string; password: string };
  /** A custom credential check (e.g. NTLM or bearer), used instead of `basic`. Returns true when the request may proceed; it answered the request itself otherwise. */
  authorize?: (request: IncomingMessage, response: ServerResponse) => boolean | Promise<boolean>;
  /** Serve SOAP autodiscover (default true). */
  soap?: boolean;
  /** Serve POX autodiscover (default true). */
  pox?: boolean;
  /** Answer requests for these paths (lower case, any method) with `302 Found` and this Location. */
  httpRedirects?: Record<string, string>;
  /** Append this many characters of whitespace to every 200 answer (tests of the client's size cap). */
  padding?: number;
}

/** One request the simulator received. */
export interface AutodiscoverSimulatorRequest {
  method: string;
  path: string;
  /** True when the request carried an Authorization header (its value is never kept). */
  hadCredentials: boolean;
  /** The e-mail address asked for, when the body named one. */
  email: string | undefined;
  status: number;
}

/** A running autodiscover simulator. */
export interface AutodiscoverSimulator {
  /** `https://127.0.0.1:PORT` (or `http://…`). */
  readonly origin: string;
  readonly port: number;
  /** Every request received, in order. */
  readonly requests: AutodiscoverSimulatorRequest[];
  /** Replaces or adds the answer for an address. */
  setUser(email: string, user: SimulatedAutodiscoverUser): void;
  close(): Promise<void>;
}

const NS_AD = "http://schemas.microsoft.com/exchange/2010/Autodiscover";
const NS_POX_RESPONSE = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006";
const NS_POX_OUTLOOK = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a";

function esc(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > 1024 * 1024) {
        reject(new Error("request too large"));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

function soapEnvelope(body: string): string {
  return (
    `<?xml version="1.0" encoding="utf-8"?>` +
    `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:a="http://www.w3.org/2005/08/addressing">` +
    `<s:Header>` +
    `<a:Action s:mustUnderstand="1">${NS_AD}/Autodiscover/GetUserSettingsResponse</a:Action>` +
    `<h:ServerVersionInfo xmlns:h="${NS_AD}" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">` +
    `<h:MajorVersion>15</h:MajorVersion><h:MinorVersion>1</h:MinorVersion><h:MajorBuildNumber>2507</h:MajorBuildNumber>` +
    `<h:MinorBuildNumber>6</h:MinorBuildNumber><h:Version>Exchange2015</h:Version>` +
    `</h:ServerVersionInfo>` +
    `</s:Header>` +
    `<s:Body>${body}</s:Body>` +
    `</s:Envelope>`
  );
}

function soapUserResponse(inner: string): string {
  return soapEnvelope(
    `<GetUserSettingsResponseMessage xmlns="${NS_AD}">` +
      `<Response xmlns:i="http://www.w3.org/2001/XMLSchema-instance">` +
      `<ErrorCode>NoError</ErrorCode><ErrorMessage/>` +
      `<UserResponses><UserResponse>${inner}</UserResponse></UserResponses>` +
      `</Response>` +
      `</GetUserSettingsResponseMessage>`,
  );
}

function soapAnswer(email: string, user: SimulatedAutodiscoverUser | undefined, requested: string[]): string {
  if (!user) {
    return soapUserResponse(
      `<ErrorCode>InvalidUser</ErrorCode><ErrorMessage>Invalid user: '${esc(email)}'</ErrorMessage><RedirectTarget i:nil="true"/><UserSettingErrors/><UserSettings/>`,
    );
  }
  if (user.redirectAddress !== undefined) {
    return soapUserResponse(
      `<ErrorCode>RedirectAddress</ErrorCode><ErrorMessage>Redirection address.</ErrorMessage><RedirectTarget>${esc(user.redirectAddress)}</RedirectTarget><UserSettingErrors/><UserSettings/>`,
    );
  }
  if (user.redirectUrl !== undefined) {
    return soapUserResponse(
      `<ErrorCode>RedirectUrl</ErrorCode><ErrorMessage>Redirection URL.</ErrorMessage><RedirectTarget>${esc(user.redirectUrl)}</RedirectTarget><UserSettingErrors/><UserSettings/>`,
    );
  }
  const values: Record<string, string | undefined> = {
    UserDisplayName: user.displayName ?? email,
    AutoDiscoverSMTPAddress: email,
    InternalEwsUrl: user.internalEwsUrl,
    ExternalEwsUrl: user.externalEwsUrl,
    CasVersion: user.casVersion ?? "15.1.2507.6",
    EwsSupportedSchemas: "Exchange2007, Exchange2007_SP1, Exchange2010, Exchange2010_SP1, Exchange2010_SP2, Exchange2013, Exchange2013_SP1, Exchange2015",
  };
  let settings = "";
  let errors = "";
  for (const name of requested) {
    const value = values[name];
    if (value === undefined) {
      errors += `<UserSettingError><ErrorCode>SettingIsNotAvailable</ErrorCode><ErrorMessage>User setting '${esc(name)}' is not available.</ErrorMessage><SettingName>${esc(name)}</SettingName></UserSettingError>`;
    } else {
      settings += `<UserSetting i:type="StringSetting"><Name>${esc(name)}</Name><Value>${esc(value)}</Value></UserSetting>`;
    }
  }
  return soapUserResponse(
    `<ErrorCode>NoError</ErrorCode><ErrorMessage>No error.</ErrorMessage><RedirectTarget i:nil="true"/><UserSettingErrors>${errors}</UserSettingErrors><UserSettings>${settings}</UserSettings>`,
  );
}

function poxAnswer(email: string, user: SimulatedAutodiscoverUser | undefined): string {
  const wrap = (inner: string) =>
    `<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="${NS_POX_RESPONSE}"><Response xmlns="${NS_POX_OUTLOOK}">${inner}</Response></Autodiscover>`;
  if (!user) {
    return `<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="${NS_POX_RESPONSE}"><Response><Error Time="12:00:00.0000000" Id="1"><ErrorCode>500</ErrorCode><Message>The email address can't be found.</Message><DebugData/></Error></Response></Autodiscover>`;
  }
  if (user.redirectAddress !== undefined) {
    return wrap(`<Account><AccountType>email</AccountType><Action>redirectAddr</Action><RedirectAddr>${esc(user.redirectAddress)}</RedirectAddr></Account>`);
  }
  if (user.redirectUrl !== undefined) {
    return wrap(`<Account><AccountType>email</AccountType><Action>redirectUrl</Action><RedirectUrl>${esc(user.redirectUrl)}</RedirectUrl></Account>`);
  }
  const version = user.poxServerVersion ?? "73C18B1F";
  const protocol = (type: string, ews: string | undefined) =>
    ews === undefined
      ? ""
      : `<Protocol><Type>${type}</Type><Server>${esc(new URL(ews).hostname)}</Server><ServerVersion>${version}</ServerVersion>` +
        `<EwsUrl>${esc(ews)}</EwsUrl>${user.ttlHours !== undefined ? `<TTL>${user.ttlHours}</TTL>` : ""}</Protocol>`;
  return wrap(
    `<User><DisplayName>${esc(user.displayName ?? email)}</DisplayName><AutoDiscoverSMTPAddress>${esc(email)}</AutoDiscoverSMTPAddress></User>` +
      `<Account><AccountType>email</AccountType><Action>settings</Action>` +
      protocol("EXCH", user.internalEwsUrl) +
      protocol("EXPR", user.externalEwsUrl) +
      `</Account>`,
  );
}

/** Starts an autodiscover simulator on 127.0.0.1 (random port). */
export async function startAutodiscoverSimulator(options: AutodiscoverSimulatorOptions = {}): Promise<AutodiscoverSimulator> {
  const users = new Map<string, SimulatedAutodiscoverUser>();
  for (const [email, user] of Object.entries(options.users ?? {})) users.set(email.toLowerCase(), user);
  const requests: AutodiscoverSimulatorRequest[] = [];

  const handler = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = (request.url ?? "/").split("?")[0]!.toLowerCase();
    const entry: AutodiscoverSimulatorRequest = {
      method: request.method ?? "GET",
      path,
      hadCredentials: request.headers.authorization !== undefined,
      email: undefined,
      status: 0,
    };
    requests.push(entry);
    const finish = (status: number, headers: Record<string, string>, body = "") => {
      entry.status = status;
      if (status === 200 && options.padding) body += " ".repeat(options.padding);
      response.writeHead(status, { "content-length": String(Buffer.byteLength(body)), ...headers });
      response.end(body);
    };
    const redirect = options.httpRedirects?.[path];
    if (redirect !== undefined) {
      await readBody(request).catch(() => "");
      finish(302, { location: redirect });
      return;
    }
    const isSoap = path === "/autodiscover/autodiscover.svc" && options.soap !== false;
    const isPox = path === "/autodiscover/autodiscover.xml" && options.pox !== false;
    if (!isSoap && !isPox) {
      await readBody(request).catch(() => "");
      finish(404, { "content-type": "text/plain" }, "Not Found");
      return;
    }
    if (request.method !== "POST") {
      await readBody(request).catch(() => "");
      finish(405, { allow: "POST" });
      return;
    }
    if (options.authorize) {
      if (!(await options.authorize(request, response))) {
        entry.status = response.statusCode;
        return;
      }
    } else if (options.basic) {
      const expected = `Basic ${Buffer.from(`${options.basic.username}:${options.basic.password}`, "utf8").toString("base64")}`;
      if (request.headers.authorization !== expected) {
        await readBody(request).catch(() => "");
        finish(401, { "www-authenticate": 'Basic realm="autodiscover"' });
        return;
      }
    }
    let body: string;
    try {
      body = await readBody(request);
    } catch {
      finish(413, {});
      return;
    }
    try {
      const root = parseXml(body);
      if (isSoap) {
        const message = child(child(root, "Body"), "GetUserSettingsRequestMessage");
        const req = child(message, "Request");
        const email = childText(child(child(req, "Users"), "User"), "Mailbox") ?? "";
        entry.email = email;
        const requested = childrenNamed(child(req, "RequestedSettings"), "Setting").map((s) => s.text.trim());
        if (!message || email === "") {
          finish(400, { "content-type": "text/plain" }, "Bad Request");
          return;
        }
        finish(200, { "content-type": "text/xml; charset=utf-8" }, soapAnswer(email, users.get(email.toLowerCase()), requested));
      } else {
        const email = childText(child(root, "Request"), "EMailAddress") ?? "";
        entry.email = email;
        finish(200, { "content-type": "text/xml; charset=utf-8" }, poxAnswer(email, users.get(email.toLowerCase())));
      }
    } catch {
      finish(400, { "content-type": "text/plain" }, "Bad Request");
    }
  };

  const listener = (request: IncomingMessage, response: ServerResponse) => {
    handler(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  };
  const server: Server = options.tls ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, listener) : createHttpServer(listener);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `${options.tls ? "https" : "http"}://127.0.0.1:${port}`,
    port,
    requests,
    setUser(email, user) {
      users.set(email.toLowerCase(), user);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
