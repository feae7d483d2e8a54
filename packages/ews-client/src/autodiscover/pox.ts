/**
 * POX autodiscover (`/autodiscover/autodiscover.xml`, "plain old XML", Exchange 2007 and later):
 * the request for the Outlook response schema and the parsing of its `Account` section.
 * @module
 */
import { escapeXml } from "../xml/escape.js";
import { child, childText, children, parseXml } from "../xml/parse.js";

/** Namespace of the POX request. */
export const NS_POX_REQUEST = "http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006";
/** The response schema ewsdav accepts. */
export const NS_POX_RESPONSE_OUTLOOK = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a";

/** Builds the POX request body for one e-mail address. */
export function buildPoxRequest(email: string): string {
  return (
    `<?xml version="1.0" encoding="utf-8"?>` +
    `<Autodiscover xmlns="${NS_POX_REQUEST}">` +
    `<Request>` +
    `<EMailAddress>${escapeXml(email)}</EMailAddress>` +
    `<AcceptableResponseSchema>${NS_POX_RESPONSE_OUTLOOK}</AcceptableResponseSchema>` +
    `</Request>` +
    `</Autodiscover>`
  );
}

/** The Exchange version packed into the POX `ServerVersion` hex value. */
export interface PoxServerVersion {
  /** Major version (14 = Exchange 2010, 15 = 2013 and later). */
  majorVersion: number;
  /** Minor version. */
  minorVersion: number;
  /** Major build number. */
  majorBuildNumber: number;
}

/**
 * Decodes the POX `ServerVersion` (a 32-bit hex number: 4 reserved bits, 6 bits major version,
 * 6 bits minor version, 1 flag bit, 15 bits major build number; `738180DA` is 14.1.218).
 */
export function decodePoxServerVersion(hex: string): PoxServerVersion | undefined {
  if (!/^[0-9a-fA-F]{1,8}$/.test(hex.trim())) return undefined;
  const value = Number.parseInt(hex.trim(), 16) >>> 0;
  return {
    majorVersion: (value >>> 22) & 0x3f,
    minorVersion: (value >>> 16) & 0x3f,
    majorBuildNumber: value & 0x7fff,
  };
}

/** What one POX response says about the user. */
export type PoxAutodiscoverOutcome =
  | {
      kind: "settings";
      /** `EwsUrl` of the `EXCH` (internal) protocol section. */
      internalEwsUrl: string | undefined;
      /** `EwsUrl` of the `EXPR` (external) protocol section. */
      externalEwsUrl: string | undefined;
      serverVersion: PoxServerVersion | undefined;
      /** `TTL` in hours, when the server sent one. */
      ttlHours: number | undefined;
    }
  | { kind: "redirect-address"; email: string }
  | { kind: "redirect-url"; url: string }
  | { kind: "error"; errorCode: string; message: string };

/** Parses a POX autodiscover response. Throws `XmlSecurityError` on unsafe or malformed XML. */
export function parsePoxResponse(xml: string): PoxAutodiscoverOutcome {
  const root = parseXml(xml, { maxLength: 1024 * 1024, maxDepth: 32 });
  const response = child(root, "Response");
  if (!response) return { kind: "error", errorCode: "InvalidResponse", message: "No Response element" };
  const error = child(response, "Error");
  if (error) return { kind: "error", errorCode: childText(error, "ErrorCode") ?? "Error", message: childText(error, "Message") ?? "" };
  const account = child(response, "Account");
  if (!account) return { kind: "error", errorCode: "InvalidResponse", message: "No Account element" };
  const action = childText(account, "Action")?.trim();
  if (action === "redirectAddr") return { kind: "redirect-address", email: childText(account, "RedirectAddr")?.trim() ?? "" };
  if (action === "redirectUrl") return { kind: "redirect-url", url: childText(account, "RedirectUrl")?.trim() ?? "" };
  if (action !== "settings") return { kind: "error", errorCode: "InvalidResponse", message: `Unknown Action "${action ?? ""}"` };
  let internalEwsUrl: string | undefined;
  let externalEwsUrl: string | undefined;
  let serverVersion: PoxServerVersion | undefined;
  let ttlHours: number | undefined;
  for (const protocol of children(account, "Protocol")) {
    const type = childText(protocol, "Type")?.trim();
    const ews = childText(protocol, "EwsUrl")?.trim();
    const ttl = childText(protocol, "TTL")?.trim();
    if (ttl !== undefined && /^\d+$/.test(ttl)) ttlHours = Number(ttl);
    if (type === "EXCH") {
      if (ews) internalEwsUrl = ews;
      const version = childText(protocol, "ServerVersion");
      if (version) serverVersion = decodePoxServerVersion(version);
    } else if (type === "EXPR") {
      if (ews) externalEwsUrl = ews;
      const version = childText(protocol, "ServerVersion");
      if (version && !serverVersion) serverVersion = decodePoxServerVersion(version);
    }
  }
  return { kind: "settings", internalEwsUrl, externalEwsUrl, serverVersion, ttlHours };
}
