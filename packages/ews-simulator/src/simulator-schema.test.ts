import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EWS_SCHEMA_DIR } from "../../../test/harness/ews-schema.js";
import { startEwsSimulator, type EwsSimulator } from "./index.js";
import { codes, find, soap } from "./soap.test-support.js";

describe("EWS simulator: validating mode (schemaDir)", () => {
  let sim: EwsSimulator;
  beforeAll(async () => {
    sim = await startEwsSimulator({ schemaDir: EWS_SCHEMA_DIR });
  });
  afterAll(() => sim.stop());

  it("refuses requests that break the schema with ErrorSchemaValidation and runs nothing", async () => {
    const outOfOrder = await soap(sim.url, `<m:CreateItem><m:Items><t:Contact><t:Surname>Lee</t:Surname><t:GivenName>Ann</t:GivenName></t:Contact></m:Items></m:CreateItem>`);
    expect(outOfOrder.status).toBe(500);
    expect(find(outOfOrder.root, "faultcode")?.text).toBe("a:ErrorSchemaValidation");
    expect(find(outOfOrder.root, "faultstring")?.text).toMatch(/^The request failed schema validation: .*GivenName/);
    expect(find(outOfOrder.root, "Violation")?.text).toContain("GivenName");
    const tooMany = await soap(sim.url, `<m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:SyncFolderId><t:DistinguishedFolderId Id="contacts"/></m:SyncFolderId><m:MaxChangesReturned>1000</m:MaxChangesReturned></m:SyncFolderItems>`);
    expect(find(tooMany.root, "ResponseCode")?.text).toBe("ErrorSchemaValidation");
    expect(sim.mailbox("alice@example.com").folder("contacts").totalCount).toBe(0);
  });

  it("runs valid requests, validating concurrent ones in one batch", async () => {
    sim.clearExchanges();
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) =>
      soap(sim.url, `<m:CreateItem><m:Items><t:Contact><t:GivenName>Ann ${i}</t:GivenName><t:Surname>Lee</t:Surname></t:Contact></m:Items></m:CreateItem>`)));
    expect(results.map((r) => codes(r))).toEqual(Array.from({ length: 6 }, () => ["NoError"]));
    expect(sim.mailbox("alice@example.com").folder("contacts").totalCount).toBe(6);
    expect(await sim.validateExchanges()).toEqual([]);
  });
});
