/**
 * `@ewsdav/ews-client/testing`: an EWS simulator served over HTTP on loopback.
 * @packageDocumentation
 */
export const SIMULATOR_EWS_PATH = "/EWS/Exchange.asmx";
export { createEwsSchemaValidator, type EwsSchemaValidator, type EwsSchemaValidatorOptions, type EwsSchemaViolation } from "./schema-validator.js";
