/**
 * Reading SOAP responses: the envelope, `ServerVersionInfo`, SOAP faults, and the per-item
 * `ResponseMessages` of an operation.
 * @module
 */
import { EwsProtocolError, responseErrorFor, SoapFaultError, type EwsResponseError, type ResponseClass } from "../errors.js";
import { child, childText, children, parseXml, path, type XmlElement, type XmlLimits } from "../xml/parse.js";

/** The server's version, from the `ServerVersionInfo` SOAP header of every response. */
export interface ServerVersionInfo {
  /** Major version (14 = Exchange 2010, 15 = 2013 and later). */
  majorVersion: number;
  /** Minor version (for 15: 0 = 2013, 1 = 2016, 2 = 2019/SE). */
  minorVersion: number;
  /** Major build number. */
  majorBuildNumber: number;
  /** Minor build number. */
  minorBuildNumber: number;
  /** The schema version string the server reports (e.g. `V2017_07_11`), when given. */
  version?: string;
}

/** A parsed SOAP response. */
export interface SoapResponse {
  /** The `ServerVersionInfo` header, when present. */
  serverVersion: ServerVersionInfo | undefined;
  /** The SOAP `Body` element. */
  body: XmlElement;
}

function backOffFrom(messageXml: XmlElement | undefined): number | undefined {
  for (const value of children(messageXml, "Value")) {
    if (value.attributes.Name === "BackOffMilliseconds") {
      const ms = Number(value.text);
      if (Number.isFinite(ms) && ms >= 0) return ms;
    }
  }
  return undefined;
}

function serverVersionFrom(header: XmlElement | undefined): ServerVersionInfo | undefined {
  const info = child(header, "ServerVersionInfo");
  if (!info) return undefined;
  const a = info.attributes;
  const result: ServerVersionInfo = {
    majorVersion: Number(a.MajorVersion ?? 0),
    minorVersion: Number(a.MinorVersion ?? 0),
    majorBuildNumber: Number(a.MajorBuildNumber ?? 0),
    minorBuildNumber: Number(a.MinorBuildNumber ?? 0),
  };
  if (a.Version !== undefined) result.version = a.Version;
  return result;
}

/**
 * Parses a SOAP response (refusing unsafe XML first). A SOAP fault becomes {@link SoapFaultError},
 * a body without an envelope an {@link EwsProtocolError}.
 */
export function parseSoapResponse(text: string, status: number, limits?: XmlLimits): SoapResponse {
  const root = parseXml(text, limits);
  if (root.name !== "Envelope") throw new EwsProtocolError(`Expected a SOAP Envelope, got <${root.name}>`);
  const body = child(root, "Body");
  if (!body) throw new EwsProtocolError("SOAP Envelope without a Body");
  const fault = child(body, "Fault");
  if (fault) {
    const detail = child(fault, "detail") ?? child(fault, "Detail");
    // Exchange puts the EWS code in the detail; faults without one (a proxy's, older builds') name it
    // in the faultcode itself (`a:ErrorServerBusy`). Generic SOAP codes (`soap:Client`) are not EWS codes.
    const faultCode = childText(fault, "faultcode") ?? "";
    const localFaultCode = faultCode.slice(faultCode.indexOf(":") + 1).trim();
    const responseCode = childText(detail, "ResponseCode")?.trim() || (/^Error[A-Za-z0-9]+$/.test(localFaultCode) ? localFaultCode : undefined);
    const backOffMs = backOffFrom(child(detail, "MessageXml"));
    throw new SoapFaultError({
      faultCode,
      faultString: childText(fault, "faultstring") ?? "",
      ...(responseCode !== undefined ? { responseCode } : {}),
      ...(backOffMs !== undefined ? { backOffMs } : {}),
      status,
    });
  }
  return { serverVersion: serverVersionFrom(child(root, "Header")), body };
}

/** One response message of an operation, successful or not. */
export interface ResponseMessage {
  /** `ResponseClass` attribute. */
  responseClass: ResponseClass;
  /** `ResponseCode` (`NoError` on success). */
  responseCode: string;
  /** `MessageText`, or empty. */
  messageText: string;
  /** `BackOffMilliseconds` from `MessageXml`, when present. */
  backOffMs: number | undefined;
  /** The `…ResponseMessage` element itself, for operation-specific content. */
  element: XmlElement;
}

/** The `ResponseMessages` children of `<m:{operation}Response>`, in order. */
export function responseMessages(body: XmlElement, operation: string): ResponseMessage[] {
  const list = path(body, `${operation}Response`, "ResponseMessages");
  if (!list) throw new EwsProtocolError(`Response without ${operation}Response/ResponseMessages`);
  return list.children.map((element) => ({
    responseClass: (element.attributes.ResponseClass ?? "Error") as ResponseClass,
    responseCode: childText(element, "ResponseCode") ?? (element.attributes.ResponseClass === "Success" ? "NoError" : "ErrorInternalServerError"),
    messageText: childText(element, "MessageText") ?? "",
    backOffMs: backOffFrom(child(element, "MessageXml")),
    element,
  }));
}

/** The typed error for a failed response message, or `undefined` when it succeeded. */
export function messageError(operation: string, message: ResponseMessage, index: number | undefined): EwsResponseError | undefined {
  if (message.responseCode === "NoError" && message.responseClass !== "Error") return undefined;
  return responseErrorFor({
    operation,
    responseCode: message.responseCode,
    messageText: message.messageText,
    responseClass: message.responseClass,
    ...(index !== undefined ? { index } : {}),
    ...(message.backOffMs !== undefined ? { backOffMs: message.backOffMs } : {}),
  });
}
