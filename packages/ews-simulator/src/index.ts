/**
 * `@ewsdav/ews-simulator`: an EWS simulator served over HTTP on loopback, for tests,
 * benchmarks and demos without an Exchange server, plus schema validation of SOAP documents.
 *
 * ```ts
 * const sim = await startEwsSimulator({ seed: "small" });
 * // POST SOAP to sim.url with Basic alice@example.com / secret
 * sim.mailbox("alice@example.com").createItem("contacts", "<Contact><GivenName>Ann</GivenName></Contact>");
 * sim.faults.inject({ kind: "serverBusy", backOffMilliseconds: 50, operation: "GetItem" });
 * await sim.stop();
 * ```
 * @packageDocumentation
 */
/** The path the simulator serves (matched without regard to case). */
export const SIMULATOR_EWS_PATH = "/EWS/Exchange.asmx";
export { createEwsSchemaValidator, type EwsSchemaValidator, type EwsSchemaValidatorOptions, type EwsSchemaViolation } from "./schema-validator.js";
export {
  startEwsSimulator, type EwsSimulator, type EwsSimulatorOptions, type EwsSimulatorUser, type RecordedExchange, type RecordedViolation,
} from "./server.js";
export { EXCHANGE_2016_VERSION, EXCHANGE_2013_SP1_VERSION, EXCHANGE_2010_SP2_VERSION, type EwsServerVersionInfo } from "./versions.js";
export { EwsFaultInjector, type EwsFault, type EwsFaultRule } from "./faults.js";
export { SimulatedMailbox, type SimFolderInfo, type SimItemInfo } from "./mailbox.js";
export { SimError, SimFault } from "./errors.js";
export type { SimAttachmentInput, SimDeleteType } from "./records.js";
export { seedLarge, seedSmall, LARGE_SEED_SIZES, SEED_PROPERTY_SET_ID, type EwsSimulatorSeed, type LargeSeedSizes } from "./seed.js";
export type { SimItemKind } from "./schema-order.js";
export { parseXml, SimXmlError, type XmlElement } from "./xml.js";
// Autodiscover, NTLM, bearer tokens, a fake identity platform and notifications for the simulator (issue 4).
export {
  startAutodiscoverSimulator, type AutodiscoverSimulator, type AutodiscoverSimulatorOptions, type AutodiscoverSimulatorRequest,
  type SimulatedAutodiscoverUser,
} from "./autodiscover.js";
export { createTestCertificateAuthority, type TestCertificateAuthority, type TestKeyPair } from "./autodiscover-tls.js";
export { createNtlmVerifier, ntowfV2, type NtlmAccount, type NtlmVerifier, type NtlmVerifierOptions, type NtlmVerifierStatistics } from "./ntlm.js";
export {
  startAuthGateway, startNtlmGateway, type AuthGateway, type AuthGatewayOptions, type GatewayAuthorize, type NtlmGateway, type NtlmGatewayOptions,
} from "./ntlm-gateway.js";
export {
  createBearerVerifier, startBearerGateway, type BearerGateway, type BearerGatewayOptions, type BearerGrant, type BearerVerifier,
  type BearerVerifierOptions, type BearerVerifierStatistics,
} from "./bearer.js";
export { startFakeIdentityProvider, type FakeIdentityProvider, type FakeIdpOptions, type FakeIdpUser, type IssuedToken } from "./bearer-idp.js";
export { startSubscriptionFront, type SubscriptionFront, type SubscriptionFrontOptions, type SubscriptionFrontRequest } from "./subscriptions.js";
// The record model, for simulators of other protocols over the same mailboxes (the Graph simulator, issue 18).
export { el, child, childText, NS_T } from "./xml.js";
export { extendedPropertyKey } from "./updates.js";
export { decodeId, encodeId, type DecodedId, type SimIdKind } from "./ids.js";
export type { FolderRecord, ItemRecord, MailboxEvent, Tombstone } from "./records.js";
// File attachments' records, for the Graph simulator's attachments (issue 18, C).
export type { AttachmentRecord } from "./records.js";
