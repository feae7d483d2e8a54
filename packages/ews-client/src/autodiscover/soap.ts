/**
 * SOAP autodiscover (`/autodiscover/autodiscover.svc`, Exchange 2010 and later): the
 * GetUserSettings request for the EWS settings and the parsing of its response.
 * @module
 */
import { escapeXml } from "../xml/escape.js";
import { child, childText, children, parseXml, path, type XmlElement } from "../xml/parse.js";

/** Namespace of SOAP autodiscover messages. */
export const NS_AUTODISCOVER_SOAP = "http://schemas.microsoft.com/exchange/2010/Autodiscover";
const NS_SOAP = "http://schemas.xmlsoap.org/soap/envelope/";
const NS_WSA = "http://www.w3.org/2005/08/addressing";

/** The user settings ewsdav asks for. */
export const EWS_USER_SETTINGS = [
  "ExternalEwsUrl",
  "InternalEwsUrl",
  "EwsSupportedSchemas",
  "CasVersion",
  "UserDisplayName",
  "AutoDiscoverSMTPAddress",
] as const;

/** Builds a GetUserSettings envelope for one mailbox, addressed to `url`. */
export function buildGetUserSettingsRequest(email: string, url: URL, settings: readonly string[] = EWS_USER_SETTINGS): string {
  return (
    `<?xml version="1.0" encoding="utf-8"?>` +
    `<soap:Envelope xmlns:soap="${NS_SOAP}" xmlns:a="${NS_AUTODISCOVER_SOAP}" xmlns:wsa="${NS_WSA}">` +
    `<soap:Header>` +
    `<a:RequestedServerVersion>Exchange2010</a:RequestedServerVersion>` +
    `<wsa:Action>${NS_AUTODISCOVER_SOAP}/Autodiscover/GetUserSettings</wsa:Action>` +
    `<wsa:To>${escapeXml(url.href)}</wsa:To>` +
    `</soap:Header>` +
    `<soap:Body>` +
    `<a:GetUserSettingsRequestMessage>` +
    `<a:Request>` +
    `<a:Users><a:User><a:Mailbox>${escapeXml(email)}</a:Mailbox></a:User></a:Users>` +
    `<a:RequestedSettings>${settings.map((s) => `<a:Setting>${escapeXml(s)}</a:Setting>`).join("")}</a:RequestedSettings>` +
    `</a:Request>` +
    `</a:GetUserSettingsRequestMessage>` +
    `</soap:Body>` +
    `</soap:Envelope>`
  );
}

/** What one GetUserSettings response says about the user. */
export type SoapAutodiscoverOutcome =
  | { kind: "settings"; settings: Record<string, string>; serverVersion: SoapServerVersion | undefined }
  | { kind: "redirect-address"; email: string }
  | { kind: "redirect-url"; url: string }
  | { kind: "error"; errorCode: string; message: string };

/** `ServerVersionInfo` from the autodiscover response header. */
export interface SoapServerVersion {
  /** `MajorVersion`. */
  majorVersion: number;
  /** `MinorVersion`. */
  minorVersion: number;
  /** `MajorBuildNumber`. */
  majorBuildNumber: number;
  /** `MinorBuildNumber`. */
  minorBuildNumber: number;
  /** e.g. `Exchange2013`. */
  version: string | undefined;
}

function numberOf(element: XmlElement | undefined, name: string): number {
  const text = childText(element, name);
  const value = text === undefined ? Number.NaN : Number.parseInt(text, 10);
  return Number.isFinite(value) ? value : 0;
}

/** Parses a GetUserSettings response envelope. Throws `XmlSecurityError` on unsafe or malformed XML. */
export function parseGetUserSettingsResponse(xml: string): SoapAutodiscoverOutcome {
  const envelope = parseXml(xml, { maxLength: 1024 * 1024, maxDepth: 32 });
  const header = child(envelope, "Header");
  const versionInfo = child(header, "ServerVersionInfo");
  const serverVersion: SoapServerVersion | undefined = versionInfo
    ? {
        majorVersion: numberOf(versionInfo, "MajorVersion"),
        minorVersion: numberOf(versionInfo, "MinorVersion"),
        majorBuildNumber: numberOf(versionInfo, "MajorBuildNumber"),
        minorBuildNumber: numberOf(versionInfo, "MinorBuildNumber"),
        version: childText(versionInfo, "Version"),
      }
    : undefined;
  const response = path(envelope, "Body", "GetUserSettingsResponseMessage", "Response");
  if (!response) return { kind: "error", errorCode: "InvalidResponse", message: "No GetUserSettingsResponseMessage in the body" };
  const topCode = childText(response, "ErrorCode") ?? "NoError";
  if (topCode !== "NoError") return { kind: "error", errorCode: topCode, message: childText(response, "ErrorMessage") ?? "" };
  const user = child(child(response, "UserResponses"), "UserResponse");
  if (!user) return { kind: "error", errorCode: "InvalidResponse", message: "No UserResponse" };
  const code = childText(user, "ErrorCode") ?? "NoError";
  const target = childText(user, "RedirectTarget")?.trim() ?? "";
  if (code === "RedirectAddress") return { kind: "redirect-address", email: target };
  if (code === "RedirectUrl") return { kind: "redirect-url", url: target };
  if (code !== "NoError") return { kind: "error", errorCode: code, message: childText(user, "ErrorMessage") ?? "" };
  const settings: Record<string, string> = {};
  for (const setting of children(child(user, "UserSettings"), "UserSetting")) {
    const name = childText(setting, "Name");
    const value = childText(setting, "Value");
    if (name !== undefined && value !== undefined) settings[name] = value.trim();
  }
  return { kind: "settings", settings, serverVersion };
}
