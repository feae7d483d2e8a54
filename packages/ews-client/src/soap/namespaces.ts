/** XML namespaces of SOAP 1.1 and EWS. @module */

/** SOAP 1.1 envelope namespace. */
export const SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/";
/** EWS types namespace (prefix `t`). */
export const TYPES_NS = "http://schemas.microsoft.com/exchange/services/2006/types";
/** EWS messages namespace (prefix `m`). */
export const MESSAGES_NS = "http://schemas.microsoft.com/exchange/services/2006/messages";
