/**
 * `@ewsdav/ews-client`: a hand-written SOAP client for Exchange Web Services.
 * @packageDocumentation
 */
export { escapeXml } from "./xml/escape.js";
export * from "./model/index.js";
