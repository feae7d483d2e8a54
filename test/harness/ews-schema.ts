/**
 * Where the official EWS schema lives for tests: `../shared/ews-schema` beside the checkout
 * (never copied into the project), or the folder named by EWSDAV_EWS_SCHEMA_DIR.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createEwsSchemaValidator, type EwsSchemaValidator } from "@ewsdav/ews-simulator";

/** The folder holding messages.xsd, types.xsd and samples/. */
export const EWS_SCHEMA_DIR: string =
  process.env.EWSDAV_EWS_SCHEMA_DIR ?? fileURLToPath(new URL("../../../shared/ews-schema", import.meta.url));

let shared: EwsSchemaValidator | undefined;

/** A validator over {@link EWS_SCHEMA_DIR}; fails with a clear message when the schema is missing. */
export function ewsSchemaValidator(): EwsSchemaValidator {
  if (!existsSync(`${EWS_SCHEMA_DIR}/messages.xsd`)) {
    throw new Error(
      `The EWS schema was not found at ${EWS_SCHEMA_DIR}. Tests read it from ../shared/ews-schema beside the checkout ` +
        "(or set EWSDAV_EWS_SCHEMA_DIR).",
    );
  }
  shared ??= createEwsSchemaValidator({ schemaDir: EWS_SCHEMA_DIR });
  return shared;
}
