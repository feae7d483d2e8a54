/**
 * `@ewsdav/ews-client/testing`: an EWS simulator served over HTTP on loopback.
 * @packageDocumentation
 */
export const SIMULATOR_EWS_PATH = "/EWS/Exchange.asmx";
