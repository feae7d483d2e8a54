/**
 * Where credentials may go, and keeping them out of messages: the plain-HTTP rule (credentials only
 * over `https:`, to a loopback host, or when the caller opted in) and redaction of URLs and headers
 * for errors and logs. Each client raises its own error class when the rule refuses a request.
 * @module
 */

/**
 * Whether a host name is loopback: `localhost` (and names below it, RFC 6761), 127.0.0.0/8, `::1`
 * (also as an IPv4-mapped address), with or without the brackets `URL.hostname` puts around IPv6.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase().replace(/\.$/, "");
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  if (host === "::1" || host === "0:0:0:0:0:0:0:1") return true;
  const v4 = /^(?:::ffff:)?(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(host);
  if (v4) return Number(v4[1]) === 127;
  // WHATWG URL writes an IPv4-mapped IPv6 address in hex (::ffff:7f00:1).
  const mapped = /^::ffff:([0-9a-f]{1,4}):[0-9a-f]{1,4}$/.exec(host);
  return mapped !== null && Number.parseInt(mapped[1]!, 16) >> 8 === 127;
}

/** Whether credentials may go to `url`: over `https:`, to a loopback host, or when the caller allowed plain `http:`. */
export function mayCarryCredentials(url: URL, allowInsecureHttp: boolean): boolean {
  return url.protocol === "https:" || isLoopbackHost(url.hostname) || allowInsecureHttp;
}

const CREDENTIAL_HEADERS = /^(?:authorization|proxy-authorization|cookie|set-cookie)$/i;

/** Whether a header carries credentials (Authorization, Proxy-Authorization, Cookie, Set-Cookie). */
export function isCredentialHeader(name: string): boolean {
  return CREDENTIAL_HEADERS.test(name);
}

/** A URL without user info, query or fragment, for messages and logs (`(unparseable URL)` when it is not one). */
export function redactUrl(url: string | URL): string {
  try {
    const parsed = new URL(String(url));
    parsed.username = "";
    parsed.password = "";
    parsed.search = "";
    parsed.hash = "";
    return parsed.toString();
  } catch {
    return "(unparseable URL)";
  }
}

/** A copy of `headers` with the value of every credential header replaced by `[redacted]`, for logs. */
export function redactHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) out[name] = isCredentialHeader(name) ? "[redacted]" : value;
  return out;
}

/** OAuth 2 parameters that carry a secret (RFC 6749, RFC 7636, RFC 8628, RFC 7523). */
const SECRET_PARAMETERS = "client_secret|client_assertion|assertion|code_verifier|refresh_token|access_token|id_token|device_code|password";
/** A secret parameter in a form body, a query or prose (`refresh_token=…`). */
const SECRET_FORM_FIELD = new RegExp(`(^|[?&;\\s])(${SECRET_PARAMETERS})=[^&\\s"'<>]+`, "gi");
/** A secret member of a JSON object (`"refresh_token": "…"`, escaped quotes included). */
const SECRET_JSON_MEMBER = new RegExp(`("(?:${SECRET_PARAMETERS})"\\s*:\\s*)"(?:[^"\\\\]|\\\\.)*"`, "gi");

/**
 * Removes credentials a server or proxy may echo back into text a client keeps in errors or logs (a body
 * excerpt, a fault string): values after `Basic`, `Bearer`, `NTLM` and `Negotiate`, JWTs, and OAuth 2
 * secrets as a token request or answer spells them: form or query parameters (`client_secret=…`,
 * `refresh_token=…`, and `code=…` after `?`, `&` or at the start) and JSON members
 * (`"refresh_token": "…"`; not `"code"`, which JSON error bodies use for their error code).
 */
export function redactCredentials(text: string): string {
  // A credential has a digit, a symbol or a capital after its first letter; "Basic authentication" is prose.
  const looksLikeSecret = (token: string) => /[0-9+/=._~%-]/.test(token) || /.[A-Z]/.test(token);
  return text
    .replace(/\b(Basic|Bearer|NTLM|Negotiate)(\s+|%20|\+)([A-Za-z0-9+/=._~%-]{8,})/gi, (match: string, scheme: string, _gap: string, token: string) =>
      looksLikeSecret(token) ? `${scheme} [redacted]` : match,
    )
    .replace(/\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, "[redacted token]")
    .replace(SECRET_FORM_FIELD, "$1$2=[redacted]")
    // `code` only where a form body or a query has it ("status code=500" is prose).
    .replace(/(^|[?&])code=[^&\s"'<>]+/gi, "$1code=[redacted]")
    .replace(SECRET_JSON_MEMBER, '$1"[redacted]"');
}
