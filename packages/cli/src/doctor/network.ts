/**
 * The network checks of an account's server: DNS (the host resolves; its addresses), the
 * connection and TLS (handshake, certificate trusted and valid for the host, not expiring within
 * 14 days, protocol version; plain http only to loopback unless allowed) and the clock (the
 * server's HTTP `Date` against this machine's).
 */
import { lookup } from "node:dns/promises";
import { connect as netConnect, isIP, type Socket } from "node:net";
import { connect as tlsConnect, type PeerCertificate, type TLSSocket } from "node:tls";
import { isLoopbackHost } from "@ewsdav/http";
import { failed, ok, warning, type CheckOutcome } from "./check.js";

/** Where an account's server is. */
export interface Endpoint {
  /** The account's URL. */
  url: URL;
  /** The host name or address (IPv6 without brackets). */
  host: string;
  port: number;
  /** `https:`. */
  secure: boolean;
}

/** The host, port and scheme of an account URL. */
export function endpointOf(url: string): Endpoint {
  const parsed = new URL(url);
  const secure = parsed.protocol === "https:";
  return { url: parsed, host: parsed.hostname.replace(/^\[|\]$/g, ""), port: Number(parsed.port || (secure ? 443 : 80)), secure };
}

/** A certificate expiring sooner than this is a warning. */
export const CERTIFICATE_WARNING_DAYS = 14;
/** A clock skew larger than this is a warning. */
export const CLOCK_SKEW_WARNING_MS = 120_000;
const DAY_MS = 86_400_000;

/** DNS: the host resolves (addresses listed); an address needs no lookup. */
export async function checkDns(endpoint: Endpoint, where: string): Promise<CheckOutcome> {
  const { host } = endpoint;
  if (isIP(host)) return ok(`${host} is an address (nothing to resolve)`, { addresses: [host] });
  try {
    const found = await lookup(host, { all: true, verbatim: true });
    const addresses = [...new Set(found.map((a) => a.address))];
    return ok(`${host} → ${addresses.join(", ")}`, { addresses });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "error";
    if (code === "EAI_AGAIN") {
      return failed("connection", `${host} could not be looked up: the DNS server did not answer (${code})`, "check this machine's network and DNS settings (/etc/resolv.conf, VPN), then run ewsdav doctor again");
    }
    return failed("connection", `${host} does not resolve (${code})`, `check the host name in ${where}, and that this machine's DNS (or VPN) knows it`);
  }
}

/** What the TLS handshake showed. */
export interface Handshake {
  /** `TLSv1.3`, `TLSv1.2`, …. */
  protocol: string | null;
  /** Whether the certificate chain is trusted and names the host. */
  authorized: boolean;
  /** Why not (`CERT_HAS_EXPIRED`, `ERR_TLS_CERT_ALTNAME_INVALID`, …). */
  authorizationError: string | undefined;
  /** The server's certificate. */
  certificate: PeerCertificate | undefined;
}

/** Opens a connection (TLS for https), reads what it needs and closes it; aborts with `signal`. */
function openConnection(endpoint: Endpoint, signal: AbortSignal): Promise<Handshake | undefined> {
  return new Promise((resolve, reject) => {
    let socket: Socket | TLSSocket;
    const onAbort = () => {
      socket.destroy();
      reject(signal.reason);
    };
    const done = (value: Handshake | undefined) => {
      signal.removeEventListener("abort", onAbort);
      socket.end();
      socket.destroy();
      resolve(value);
    };
    if (endpoint.secure) {
      // Certificates are judged below (with the reason), so the handshake itself accepts any.
      const tls = tlsConnect({ host: endpoint.host, port: endpoint.port, rejectUnauthorized: false, ...(isIP(endpoint.host) ? {} : { servername: endpoint.host }) });
      socket = tls;
      tls.once("secureConnect", () => {
        const certificate = tls.getPeerCertificate();
        done({
          protocol: tls.getProtocol(),
          authorized: tls.authorized,
          authorizationError: tls.authorizationError ? String((tls.authorizationError as unknown as { code?: string }).code ?? tls.authorizationError) : undefined,
          certificate: certificate && Object.keys(certificate).length > 0 ? certificate : undefined,
        });
      });
    } else {
      socket = netConnect({ host: endpoint.host, port: endpoint.port });
      socket.once("connect", () => done(undefined));
    }
    socket.once("error", (error) => {
      signal.removeEventListener("abort", onAbort);
      socket.destroy();
      reject(error);
    });
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

const UNTRUSTED = new Set(["DEPTH_ZERO_SELF_SIGNED_CERT", "SELF_SIGNED_CERT_IN_CHAIN", "UNABLE_TO_VERIFY_LEAF_SIGNATURE", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "UNABLE_TO_GET_ISSUER_CERT"]);

/** The names a certificate is valid for (subject alternative names, else the common name). */
function namesOf(certificate: PeerCertificate | undefined): string[] {
  if (!certificate) return [];
  const san = certificate.subjectaltname?.split(/,\s*/).map((n) => n.replace(/^(DNS|IP Address):/, "")) ?? [];
  const cn = certificate.subject?.CN;
  return san.length > 0 ? san : cn ? [String(cn)] : [];
}

function day(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/**
 * Judges a finished handshake: trusted, valid for the host, not expiring within
 * {@link CERTIFICATE_WARNING_DAYS} days (by `now`), TLS 1.2 or later.
 */
export function judgeHandshake(endpoint: Endpoint, handshake: Handshake, now: number): CheckOutcome {
  const { certificate, protocol } = handshake;
  const validTo = certificate?.valid_to ? new Date(certificate.valid_to) : undefined;
  const names = namesOf(certificate);
  const issuer = certificate?.issuer?.CN ? String(certificate.issuer.CN) : undefined;
  const details = {
    protocol,
    certificate: certificate ? { names, issuer, validFrom: certificate.valid_from ? new Date(certificate.valid_from).toISOString() : undefined, validTo: validTo?.toISOString() } : undefined,
  };
  const hostPort = `${endpoint.host}:${endpoint.port}`;
  const code = handshake.authorizationError;
  if (!handshake.authorized && code) {
    if (code === "CERT_HAS_EXPIRED") return failed("connection", `the certificate of ${hostPort} expired${validTo ? ` on ${day(validTo)}` : ""}`, "have the server's certificate renewed (nothing can connect until it is)", details);
    if (code === "CERT_NOT_YET_VALID") return failed("connection", `the certificate of ${hostPort} is not valid yet`, "check this machine's clock and the server's certificate dates", details);
    if (code === "ERR_TLS_CERT_ALTNAME_INVALID") {
      return failed("connection", `the certificate of ${hostPort} is for ${names.join(", ") || "other names"}, not ${endpoint.host}`, "use a host name the certificate names in the account URL, or have the certificate reissued for this host", details);
    }
    if (UNTRUSTED.has(code)) {
      return failed("connection", `the certificate of ${hostPort} is not signed by an authority this machine trusts (${code})`, "install the server's CA certificate in the system store, or point NODE_EXTRA_CA_CERTS at its PEM file", details);
    }
    return failed("connection", `the certificate of ${hostPort} was refused (${code})`, "ask the server's admin to fix its certificate chain", details);
  }
  const version = protocol ?? "TLS";
  if (protocol === "TLSv1" || protocol === "TLSv1.1") {
    return warning(`${hostPort} speaks only ${protocol}, which is outdated`, "ask the server's admin to enable TLS 1.2 or 1.3", details);
  }
  if (validTo) {
    const daysLeft = Math.floor((validTo.getTime() - now) / DAY_MS);
    if (validTo.getTime() - now < CERTIFICATE_WARNING_DAYS * DAY_MS) {
      return warning(
        `${version}; the certificate of ${hostPort} expires on ${day(validTo)} (${daysLeft < 1 ? "within a day" : `in ${daysLeft} day${daysLeft === 1 ? "" : "s"}`})`,
        `have the server's certificate renewed before ${day(validTo)}, or syncing stops then`,
        details,
      );
    }
    return ok(`${version}; certificate valid for ${endpoint.host} until ${day(validTo)}${issuer ? ` (issued by ${issuer})` : ""}`, details);
  }
  return ok(`${version}; certificate valid for ${endpoint.host}`, details);
}

/** Advice for an error while connecting. */
function connectFailure(endpoint: Endpoint, error: unknown, where: string): CheckOutcome {
  const code = (error as NodeJS.ErrnoException).code ?? "";
  const hostPort = `${endpoint.host}:${endpoint.port}`;
  if (code === "ECONNREFUSED") return failed("connection", `${hostPort} refused the connection`, `check that the server is running and that the port in ${where} is right`);
  if (code === "EHOSTUNREACH" || code === "ENETUNREACH") return failed("connection", `${hostPort} cannot be reached (${code})`, "check this machine's network connection, VPN and routes to the server");
  if (/SSL|TLS|WRONG_VERSION/i.test(code) || (endpoint.secure && code === "ECONNRESET")) {
    return failed("connection", `the TLS handshake with ${hostPort} failed (${code || (error as Error).message})`, `check that port ${endpoint.port} speaks https (a plain http port needs an http:// URL in ${where})`);
  }
  return failed("connection", `connecting to ${hostPort} failed (${code || (error as Error).message})`, "check that the server is running and reachable from this machine");
}

/**
 * Connection and TLS: for https the handshake and certificate ({@link judgeHandshake}); for plain
 * http a TCP connection, ok to loopback, a warning elsewhere when `allowInsecureHttp` is set, and
 * refused otherwise (credentials would travel unencrypted).
 */
export async function checkConnection(endpoint: Endpoint, options: { allowInsecureHttp: boolean; where: string; signal: AbortSignal }): Promise<CheckOutcome> {
  const loopback = isLoopbackHost(endpoint.host);
  if (!endpoint.secure && !loopback && !options.allowInsecureHttp) {
    return failed(
      "config",
      `plain http to ${endpoint.host}, which is not loopback: the credentials would travel unencrypted`,
      `use an https:// URL in ${options.where}, or set "allowInsecureHttp": true if the network is trusted`,
    );
  }
  let handshake: Handshake | undefined;
  try {
    handshake = await openConnection(endpoint, options.signal);
  } catch (error) {
    if (options.signal.aborted) throw options.signal.reason;
    return connectFailure(endpoint, error, options.where);
  }
  if (handshake) return judgeHandshake(endpoint, handshake, Date.now());
  const hostPort = `${endpoint.host}:${endpoint.port}`;
  if (loopback) return ok(`plain http to loopback (${hostPort}): connected; no TLS needed on this machine`);
  return warning(`plain http to ${hostPort}: connected, but credentials and data travel unencrypted`, `use an https:// URL in ${options.where} (allowInsecureHttp is set)`);
}

/**
 * Judges a clock skew (server minus local, in ms): within {@link CLOCK_SKEW_WARNING_MS} ok, else a
 * warning. The `Date` header has whole seconds, so a second either way is noise.
 */
export function judgeClockSkew(skewMs: number, serverDate: string): CheckOutcome {
  const seconds = Math.round(Math.abs(skewMs) / 1000);
  const direction = skewMs > 0 ? "ahead of" : "behind";
  const details = { skewSeconds: Math.round(skewMs / 1000), serverDate };
  if (Math.abs(skewMs) <= CLOCK_SKEW_WARNING_MS) {
    return ok(seconds <= 1 ? "the server's clock agrees with this machine's" : `the server's clock is ${seconds} s ${direction} this machine's (within 2 min)`, details);
  }
  const amount = seconds >= 120 ? `${Math.round(seconds / 60)} min` : `${seconds} s`;
  return warning(
    `the server's clock is ${amount} ${direction} this machine's: NTLM and OAuth sign-ins fail and newest-wins picks the wrong side beyond about 2 min`,
    "set this machine's clock right (e.g. `timedatectl set-ntp true`), or ask the server's admin to fix the server's",
    details,
  );
}

/** Clock: one unauthenticated request to the account URL; its `Date` header against this machine's clock. */
export async function checkClock(endpoint: Endpoint, signal: AbortSignal): Promise<CheckOutcome> {
  const started = Date.now();
  const response = await fetch(endpoint.url, { method: "GET", redirect: "manual", signal, headers: { "user-agent": "ewsdav-doctor" } });
  const finished = Date.now();
  await response.body?.cancel().catch(() => undefined);
  const date = response.headers.get("date");
  const serverMs = date ? Date.parse(date) : Number.NaN;
  if (!date || Number.isNaN(serverMs)) {
    return warning("the server sent no readable Date header, so its clock cannot be compared", "make sure this machine's clock is set by NTP (`timedatectl`); nothing else to do");
  }
  // The server stamped the answer between sending and receiving; whole seconds, truncated.
  const skew = serverMs + 500 - (started + finished) / 2;
  return judgeClockSkew(Math.abs(skew) <= 1500 ? 0 : skew, date);
}
