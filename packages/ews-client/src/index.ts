/**
 * `@ewsdav/ews-client`: a hand-written SOAP client for Exchange Web Services.
 * @packageDocumentation
 */
export { escapeXml } from "./xml/escape.js";
export * from "./model/index.js";
export * from "./errors.js";
export { DEFAULT_MAX_RESPONSE_BYTES } from "./limits.js";
export { EwsClient } from "./client.js";
export { EwsClientCore, DEFAULT_USER_AGENT, type EwsClientOptions, type CallOptions, type EwsClientEvents } from "./client-core.js";
export type { EwsAuthProvider } from "./auth/types.js";
export { basicAuth, type BasicCredentials } from "./auth/basic.js";
export { bearerAuth, type TokenProvider, type TokenRequest } from "./auth/bearer.js";
export { authLayer } from "./auth/auth-layer.js";
export {
  InsecureTransportError, checkCredentialTransport, isLoopbackHost, markCredentialScheme, credentialSchemeOf, type CredentialTransportPolicy,
} from "./auth/plain-http.js";
export { composeLayers, type EwsHttpRequest, type EwsHttpResponse, type EwsLayer, type EwsSend } from "./transport/types.js";
export { createUndiciTransport, type UndiciTransport, type UndiciTransportOptions } from "./transport/undici-transport.js";
export { retryLayer, parseRetryAfter, DEFAULT_RETRY_POLICY, type RetryEvent, type RetryPolicy, type RetryReason } from "./transport/retry-layer.js";
export { loggingLayer, type EwsLogger } from "./transport/logging-layer.js";
export { buildEnvelope, versionAtLeast, type ExchangeVersion, type ImpersonatedUser, type SoapHeaders } from "./soap/envelope.js";
export { DEFAULT_REQUEST_VERSION, requestVersionFor } from "./soap/version.js";
export { parseSoapResponse, responseMessages, type ServerVersionInfo, type SoapResponse, type ResponseMessage } from "./soap/response.js";
export { parseXml, assertSafeXml, DEFAULT_XML_LIMITS, type XmlElement, type XmlLimits } from "./xml/parse.js";
export { itemXml, parseItemElement, itemChangeDescriptions, type TypedItem, type ItemType, type ParsedItem, type UnsupportedItem } from "./items/item-xml.js";
export { DISPLAY_NAME_PREFIX_PROPERTY } from "./items/contact-fields.js";
export type { ItemWriteContext } from "./items/field-table.js";
export { isEwsError, type ItemResult } from "./operations/results.js";
export type { PropertyPath, ItemShape } from "./operations/paths.js";
export {
  buildGetFolder, buildFindFolder, buildCreateFolder, buildSyncFolderHierarchy, parseFolder,
  type EwsFolder, type FolderKind, type FindFolderInput, type NewFolder, type FolderHierarchyChange, type FolderHierarchySyncPage,
} from "./operations/folders.js";
export {
  buildSyncFolderItems, buildFindItem, buildGetItem, buildCreateItem, buildItemChange, buildUpdateItem, buildDeleteItem, buildMoveItem,
  type SyncItemChange, type SyncFolderItemsInput, type SyncFolderItemsPage, type FindItemInput, type FindItemSortKey, type GetItemOptions,
  type CreateItemOptions, type ConflictResolution, type ItemUpdate, type UpdateItemResult, type UpdateItemOptions, type DeleteItemOptions,
} from "./operations/items.js";
export type { SyncFolderItemsPageWithItems, SyncFolderItemsWithItemsOptions } from "./operations/sync-with-items.js";
export {
  buildCreateAttachment, buildGetAttachment, buildDeleteAttachment, CONTACT_PHOTO_NAME, type DeletedAttachment,
} from "./operations/attachments.js";
// NTLM, OAuth 2 for Exchange Online, autodiscover and notifications (issue 4).
export {
  ntlmAuth, ntlmAutodiscoverAuth, ntlmChallengeOf, parseNtlmUsername,
  type NtlmAuthenticator, type NtlmAuthOptions, type NtlmCredentials, type NtlmIdentity, type NtlmStatistics,
} from "./auth/ntlm.js";
export {
  ExchangeOnlineAppOnlyTokenProvider, ExchangeOnlineDelegatedTokenProvider, OAuthError, appOnlyMailboxOptions, EWS_APP_ONLY_SCOPE, EWS_DELEGATED_SCOPE,
  TokenResponseTooLargeError, DEFAULT_MAX_TOKEN_RESPONSE_BYTES,
  type AppOnlyOptions, type AuthorizationRequest, type DelegatedOptions, type DeviceCodeInstructions, type OAuthCommonOptions, type OAuthErrorCode,
  type TokenCachePersistence,
} from "./auth/oauth.js";
export * from "./autodiscover/index.js";
export * from "./notifications/index.js";
