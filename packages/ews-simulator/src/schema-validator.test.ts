import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { EWS_SCHEMA_DIR, ewsSchemaValidator } from "../../../test/harness/ews-schema.js";

describe("EWS schema validator", () => {
  const validator = ewsSchemaValidator();
  const sample = (name: string) => readFileSync(`${EWS_SCHEMA_DIR}/samples/${name}`, "utf8");

  it("accepts the valid sample envelope and refuses the invalid one, naming the document", async () => {
    const violations = await validator.validate([sample("envelope-GetItem.valid.xml"), sample("envelope-GetItem.invalid.xml")]);
    expect(violations.length).toBeGreaterThan(0);
    expect(violations.every((v) => v.document === 1)).toBe(true);
    expect(violations.some((v) => v.message.includes("Exchange2099"))).toBe(true);
  });
});
