/**
 * Validation of SOAP documents against the official EWS schema (messages.xsd, types.xsd),
 * through xmllint-wasm (libxml2 compiled to WebAssembly; an optional peer dependency).
 *
 * The schema files are never shipped with ewsdav: the caller gives the folder that holds
 * them (`messages.xsd`, `types.xsd`, and the `samples/` wrappers described in its SOURCE.md).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** One schema violation in one document. */
export interface EwsSchemaViolation {
  /** Index of the document in the batch passed to {@link EwsSchemaValidator.validate}. */
  document: number;
  /** libxml2's message, without the file name. */
  message: string;
  /** Line in that document, when libxml2 gave one. */
  line: number | null;
}

/** Validates whole SOAP 1.1 envelopes (headers and body) against the EWS schema. */
export interface EwsSchemaValidator {
  /**
   * Validates a batch of documents in one schema compilation (about half a second, so pass
   * many at once). Returns every violation; an empty list means all are valid.
   */
  validate(documents: readonly string[]): Promise<EwsSchemaViolation[]>;
}

/** Options for {@link createEwsSchemaValidator}. */
export interface EwsSchemaValidatorOptions {
  /** The folder holding `messages.xsd`, `types.xsd` and `samples/` (e.g. `../shared/ews-schema`). */
  schemaDir: string;
}

/** Creates a validator that reads the schema files from `schemaDir`. */
export function createEwsSchemaValidator(options: EwsSchemaValidatorOptions): EwsSchemaValidator {
  const read = (...parts: string[]) => readFileSync(join(options.schemaDir, ...parts), "utf8");
  const messages = read("messages.xsd");
  const types = read("types.xsd");
  const preload = [
    { fileName: "soap11-envelope-min.xsd", contents: read("samples", "soap11-envelope-min.xsd") },
    { fileName: "xml-ns.xsd", contents: read("samples", "xml-ns.xsd") },
    { fileName: "ews-validate.xsd", contents: read("samples", "ews-validate.xsd") },
    { fileName: "messages.xsd", contents: messages },
    { fileName: "types.xsd", contents: types },
    { fileName: "../messages.xsd", contents: messages },
    { fileName: "../types.xsd", contents: types },
  ];
  const schema = { fileName: "ews-validate-envelope.xsd", contents: read("samples", "ews-validate-envelope.xsd") };

  return {
    async validate(documents) {
      if (documents.length === 0) return [];
      const { validateXML } = await import("xmllint-wasm");
      const result = await validateXML({
        xml: documents.map((contents, i) => ({ fileName: `doc${i}.xml`, contents })),
        schema,
        preload,
        maxMemoryPages: 16384,
      });
      return result.errors.map((error) => {
        const match = /^doc(\d+)\.xml/.exec(error.loc?.fileName ?? error.rawMessage);
        return {
          document: match ? Number(match[1]) : -1,
          message: error.message,
          line: error.loc?.lineNumber ?? null,
        };
      });
    },
  };
}
