import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { MAPPING_DOC_PATH, renderMappingDoc } from "../scripts/generate-mapping-doc.js";
import { CONTACT_MAPPING_ROWS, EVENT_MAPPING_ROWS, TASK_MAPPING_ROWS } from "@ewsdav/mappers";

describe("docs/mapping.md", () => {
  it("is what scripts/generate-mapping-doc.ts generates from the mapping rows (run it when this fails)", async () => {
    expect(readFileSync(MAPPING_DOC_PATH, "utf8")).toBe(await renderMappingDoc());
  });

  it("lists every row, and every EWS phone slot", async () => {
    const doc = await renderMappingDoc();
    for (const row of [...CONTACT_MAPPING_ROWS, ...TASK_MAPPING_ROWS, ...EVENT_MAPPING_ROWS]) expect(doc).toContain(row.property.replace(/\|/g, "\\|"));
    for (const slot of ["AssistantPhone", "Callback", "CompanyMainPhone", "PrimaryPhone", "RadioPhone", "Telex", "TtyTddPhone", "Isdn", "OtherFax"]) expect(doc).toContain(`PhoneNumbers[${slot}]`);
  });
});
