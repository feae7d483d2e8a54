/**
 * The simulator answers in the schema of the request's RequestServerVersion, as Exchange does:
 * an element newer than that version (Gender, Exchange2016) is refused in the request and left out
 * of the response. Raw SOAP over HTTP, so the client under test plays no part.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEwsSimulator, type EwsSimulator } from "./index.js";
import { codes, find, findAll, soap } from "./soap.test-support.js";

const version = (v: string) => `<t:RequestServerVersion Version="${v}"/>`;
const getItem = (id: string, shape: string, additional = "") =>
  `<m:GetItem><m:ItemShape><t:BaseShape>${shape}</t:BaseShape>${additional ? `<t:AdditionalProperties>${additional}</t:AdditionalProperties>` : ""}</m:ItemShape><m:ItemIds><t:ItemId Id="${id}"/></m:ItemIds></m:GetItem>`;

describe("EWS simulator: responses in the schema of the request's version (issue 13 item 7)", () => {
  let sim: EwsSimulator;
  let id: string;
  let contacts: string;
  beforeAll(async () => {
    sim = await startEwsSimulator({});
    contacts = sim.mailbox("alice@example.com").folder("contacts").id;
    const created = await soap(
      sim.url,
      `<m:CreateItem><m:SavedItemFolderId><t:FolderId Id="${contacts}"/></m:SavedItemFolderId><m:Items><t:Contact><t:GivenName>Gina</t:GivenName><t:Gender>Female</t:Gender></t:Contact></m:Items></m:CreateItem>`,
      { header: version("Exchange2016") },
    );
    expect(codes(created)).toEqual(["NoError"]);
    id = find(created.root, "ItemId")!.attrs.Id!;
  });
  afterAll(() => sim.stop());

  it("gives Gender in GetItem to an Exchange2016 request", async () => {
    const result = await soap(sim.url, getItem(id, "AllProperties"), { header: version("Exchange2016") });
    expect(codes(result)).toEqual(["NoError"]);
    expect(find(result.root, "Gender")?.text).toBe("Female");
  });

  it.each(["Exchange2010_SP2", "Exchange2013_SP1"])("leaves Gender out of GetItem for %s, and keeps the rest of the contact", async (v) => {
    const result = await soap(sim.url, getItem(id, "AllProperties"), { header: version(v) });
    expect(codes(result)).toEqual(["NoError"]);
    expect(find(result.root, "GivenName")?.text).toBe("Gina");
    expect(find(result.root, "Gender")).toBeUndefined();
  });

  it("leaves Gender out for a request without RequestServerVersion (read as Exchange2007)", async () => {
    const result = await soap(sim.url, getItem(id, "AllProperties"), { header: "" });
    expect(codes(result)).toEqual(["NoError"]);
    expect(find(result.root, "GivenName")?.text).toBe("Gina");
    expect(find(result.root, "Gender")).toBeUndefined();
  });

  it("leaves Gender out of SyncFolderItems for Exchange2010_SP2 and gives it for Exchange2016", async () => {
    const sync = `<m:SyncFolderItems><m:ItemShape><t:BaseShape>AllProperties</t:BaseShape></m:ItemShape><m:SyncFolderId><t:FolderId Id="${contacts}"/></m:SyncFolderId><m:MaxChangesReturned>100</m:MaxChangesReturned></m:SyncFolderItems>`;
    const old = await soap(sim.url, sync, { header: version("Exchange2010_SP2") });
    expect(codes(old)).toEqual(["NoError"]);
    expect(findAll(old.root, "GivenName").map((e) => e.text)).toContain("Gina");
    expect(find(old.root, "Gender")).toBeUndefined();
    const current = await soap(sim.url, sync, { header: version("Exchange2016") });
    expect(find(current.root, "Gender")?.text).toBe("Female");
  });

  it("still refuses Gender asked for by an older request (ErrorSchemaValidation)", async () => {
    const result = await soap(sim.url, getItem(id, "IdOnly", `<t:FieldURI FieldURI="contacts:Gender"/>`), { header: version("Exchange2010_SP2") });
    expect(find(result.root, "ResponseCode")?.text).toBe("ErrorSchemaValidation");
  });
});

describe("the simulator refuses elements newer than the request's version", () => {
  let sim: EwsSimulator;
  beforeAll(async () => {
    sim = await startEwsSimulator();
  });
  afterAll(() => sim.stop());

  const create = `<m:CreateItem MessageDisposition="SaveOnly"><m:SavedItemFolderId><t:DistinguishedFolderId Id="contacts"/></m:SavedItemFolderId><m:Items><t:Contact><t:GivenName>G</t:GivenName><t:Gender>Female</t:Gender></t:Contact></m:Items></m:CreateItem>`;

  it("ErrorSchemaValidation for Gender in an Exchange2013_SP1 request; accepted in Exchange2016", async () => {
    const old = await soap(sim.url, create, { header: `<t:RequestServerVersion Version="Exchange2013_SP1"/>` });
    expect(old.status).toBe(500);
    expect(old.text).toContain("ErrorSchemaValidation");
    expect(old.text).toContain("Gender");
    const now = await soap(sim.url, create, { header: `<t:RequestServerVersion Version="Exchange2016"/>` });
    expect(now.status).toBe(200);
    expect(now.text).toContain("NoError");
  });

});
