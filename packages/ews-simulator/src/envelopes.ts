/** SOAP envelopes as Exchange writes them: a body with ServerVersionInfo in the header, and SOAP faults. */
import type { EwsServerVersionInfo } from "./versions.js";
import { namespaceDeclarations, NS_E, NS_M, NS_SOAP, NS_T, serializeXml, type XmlElement } from "./xml.js";

/** The SOAP header carrying ServerVersionInfo, as in every Exchange response. */
function serverVersionHeader(v: EwsServerVersionInfo): string {
  return `<s:Header><h:ServerVersionInfo MajorVersion="${v.MajorVersion}" MinorVersion="${v.MinorVersion}" MajorBuildNumber="${v.MajorBuildNumber}" MinorBuildNumber="${v.MinorBuildNumber}" Version="${v.Version}" xmlns:h="${NS_T}" xmlns="${NS_T}" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/></s:Header>`;
}

/** Escapes text for XML content and attribute values. */
export function escape(text: string): string {
  return text.replace(/[&<>"]/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : "&quot;"));
}

/** A SOAP fault as Exchange shapes it (faultcode in the types namespace, details in the errors namespace). */
export function faultEnvelope(version: EwsServerVersionInfo, code: string, message: string, messageXml = ""): string {
  return `<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="${NS_SOAP}">${serverVersionHeader(version)}<s:Body><s:Fault>` +
    `<faultcode xmlns:a="${NS_T}">a:${code}</faultcode><faultstring xml:lang="en-US">${escape(message)}</faultstring><detail>` +
    `<e:ResponseCode xmlns:e="${NS_E}">${code}</e:ResponseCode><e:Message xmlns:e="${NS_E}">${escape(message)}</e:Message>` +
    (messageXml ? `<t:MessageXml xmlns:t="${NS_T}">${messageXml}</t:MessageXml>` : "") +
    `</detail></s:Fault></s:Body></s:Envelope>`;
}

/** A response envelope around `payload` (with or without the XML declaration). */
export function bodyEnvelope(version: EwsServerVersionInfo, payload: XmlElement, declaration = true): string {
  return `${declaration ? '<?xml version="1.0" encoding="utf-8"?>' : ""}<s:Envelope xmlns:s="${NS_SOAP}">${serverVersionHeader(version)}` +
    `<s:Body xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">` +
    serializeXml(payload, namespaceDeclarations(NS_M, NS_T)) + `</s:Body></s:Envelope>`;
}
