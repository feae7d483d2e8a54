/**
 * SOAP envelopes for EWS requests: `RequestServerVersion`, optional `ExchangeImpersonation` and
 * `TimeZoneContext` headers, and one operation element in the body.
 * @module
 */
import type { TimeZoneDefinition } from "../model/time-zone.js";
import { timeZoneDefinitionXml } from "../items/time-zone-xml.js";
import { xmlElement, xmlText } from "../xml/writer.js";
import { MESSAGES_NS, SOAP_NS, TYPES_NS } from "./namespaces.js";

/** Values of `RequestServerVersion/@Version` that ewsdav sends (types.xsd `ExchangeVersionType`). */
export type ExchangeVersion =
  | "Exchange2007_SP1"
  | "Exchange2010"
  | "Exchange2010_SP1"
  | "Exchange2010_SP2"
  | "Exchange2013"
  | "Exchange2013_SP1"
  | "Exchange2016";

/** Every `RequestServerVersion` the client knows, oldest first. */
export const EXCHANGE_VERSIONS: readonly ExchangeVersion[] = [
  "Exchange2007_SP1",
  "Exchange2010",
  "Exchange2010_SP1",
  "Exchange2010_SP2",
  "Exchange2013",
  "Exchange2013_SP1",
  "Exchange2016",
];

/** True when `version` is `minimum` or later. */
export function versionAtLeast(version: ExchangeVersion, minimum: ExchangeVersion): boolean {
  return EXCHANGE_VERSIONS.indexOf(version) >= EXCHANGE_VERSIONS.indexOf(minimum);
}

/** Whom to act as (types.xsd `ConnectingSIDType`); exactly one field. */
export type ImpersonatedUser =
  | { primarySmtpAddress: string }
  | { smtpAddress: string }
  | { principalName: string }
  | { sid: string };

/** The SOAP headers of a request. */
export interface SoapHeaders {
  /** `RequestServerVersion/@Version`. */
  version: ExchangeVersion;
  /** `ExchangeImpersonation`: act as another user (needs the ApplicationImpersonation role). */
  impersonation?: ImpersonatedUser;
  /** `TimeZoneContext`: the zone in which the server interprets and returns local times (Exchange 2010+). */
  timeZoneContext?: TimeZoneDefinition;
}

function connectingSidXml(user: ImpersonatedUser): string {
  if ("primarySmtpAddress" in user) return xmlText("t:PrimarySmtpAddress", user.primarySmtpAddress);
  if ("smtpAddress" in user) return xmlText("t:SmtpAddress", user.smtpAddress);
  if ("principalName" in user) return xmlText("t:PrincipalName", user.principalName);
  return xmlText("t:SID", user.sid);
}

/** Builds a whole SOAP 1.1 envelope around one operation element (built with the `m:`/`t:` prefixes). */
export function buildEnvelope(headers: SoapHeaders, operation: string): string {
  const header =
    xmlElement("t:RequestServerVersion", { Version: headers.version }) +
    (headers.impersonation
      ? xmlElement("t:ExchangeImpersonation", undefined, xmlElement("t:ConnectingSID", undefined, connectingSidXml(headers.impersonation)))
      : "") +
    (headers.timeZoneContext && versionAtLeast(headers.version, "Exchange2010")
      ? xmlElement("t:TimeZoneContext", undefined, timeZoneDefinitionXml("t:TimeZoneDefinition", headers.timeZoneContext))
      : "");
  return (
    `<?xml version="1.0" encoding="utf-8"?>` +
    `<soap:Envelope xmlns:soap="${SOAP_NS}" xmlns:t="${TYPES_NS}" xmlns:m="${MESSAGES_NS}">` +
    `<soap:Header>${header}</soap:Header>` +
    `<soap:Body>${operation}</soap:Body>` +
    `</soap:Envelope>`
  );
}
