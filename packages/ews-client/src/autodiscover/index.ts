/**
 * Safe autodiscover: e-mail address → EWS URL and server version.
 * @module
 */
export {
  AutodiscoverClient,
  autodiscoverAuthFrom,
  basicAutodiscoverAuth,
  discoverEwsEndpoint,
  DEFAULT_MAX_AUTODISCOVER_RESPONSE_BYTES,
  type AutodiscoverAuth,
  type AutodiscoverCallOptions,
  type AutodiscoverHttpRequest,
  type AutodiscoverHttpResponse,
  type AutodiscoverOptions,
  type AutodiscoverResult,
  type AutodiscoverSend,
  type AutodiscoverServerVersion,
} from "./discover.js";
export { AutodiscoverError, type AutodiscoverAttempt, type AutodiscoverErrorCode } from "./errors.js";
export type { AutodiscoverNetworkOptions, EndpointResolver, SrvRecord, SrvResolver } from "./network.js";
export { emailDomain, isParentOrTopLevel, isWithinDomain, type ApproveForeignHost, type ForeignHostReason, type ForeignHostRequest } from "./policy.js";
export { buildPoxRequest, decodePoxServerVersion, parsePoxResponse, type PoxAutodiscoverOutcome, type PoxServerVersion } from "./pox.js";
export { buildGetUserSettingsRequest, parseGetUserSettingsResponse, type SoapAutodiscoverOutcome, type SoapServerVersion } from "./soap.js";
