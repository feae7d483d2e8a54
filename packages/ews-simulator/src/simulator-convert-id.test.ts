import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EWS_SCHEMA_DIR } from "../../../test/harness/ews-schema.js";
import { startEwsSimulator, type EwsSimulator } from "./index.js";
import { codes, find, findAll, soap } from "./soap.test-support.js";

const FORMATS = ["EwsLegacyId", "EwsId", "EntryId", "HexEntryId", "StoreId", "OwaId"];
const convert = (destination: string, sources: string) => `<m:ConvertId DestinationFormat="${destination}"><m:SourceIds>${sources}</m:SourceIds></m:ConvertId>`;
const alt = (format: string, id: string, mailbox = "alice@example.com") => `<t:AlternateId Format="${format}" Id="${id}" Mailbox="${mailbox}"/>`;

describe("EWS simulator: ConvertId (issue 13 item 7)", () => {
  let sim: EwsSimulator;
  beforeAll(async () => {
    sim = await startEwsSimulator({ seed: "small" });
  });
  afterAll(() => sim.stop());

  const one = async (destination: string, source: string) => {
    const result = await soap(sim.url, convert(destination, source));
    expect(result.status).toBe(200);
    return { code: codes(result)[0], id: find(result.root, "AlternateId")?.attrs };
  };

  it("answers the root folder's EwsId with the owning mailbox, whatever Mailbox the request names (DavMail's login)", async () => {
    const root = await soap(sim.url, `<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="root"/></m:FolderIds></m:GetFolder>`);
    const rootId = find(root.root, "FolderId")!.attrs.Id!;
    const result = await soap(sim.url, convert("EwsId", alt("EwsId", rootId, "blah@blah.com")));
    expect(codes(result)).toEqual(["NoError"]);
    const converted = find(result.root, "AlternateId")!;
    expect(converted.attrs).toMatchObject({ Format: "EwsId", Id: rootId, Mailbox: "alice@example.com", "xsi:type": "t:AlternateIdType" });
  });

  it("converts folder and item ids to every format and back to the same EwsId", async () => {
    const box = sim.mailbox("alice@example.com");
    const folder = box.folder("calendar").id;
    const item = box.items("contacts")[0]!.id;
    for (const ews of [folder, item]) {
      const seen = new Set<string>();
      for (const format of FORMATS) {
        const there = await one(format, alt("EwsId", ews));
        expect(there.code).toBe("NoError");
        expect(there.id?.Format).toBe(format);
        seen.add(there.id!.Id!);
        const back = await one("EwsId", alt(format, there.id!.Id!));
        expect(back).toMatchObject({ code: "NoError", id: { Id: ews, Mailbox: "alice@example.com" } });
      }
      expect(seen.size).toBe(FORMATS.length);
    }
    const entry = (await one("EntryId", alt("EwsId", item))).id!.Id!;
    const hex = (await one("HexEntryId", alt("EwsId", item))).id!.Id!;
    expect(Buffer.from(entry, "base64").toString("hex").toUpperCase()).toBe(hex);
    expect(Buffer.from(entry, "base64")).toHaveLength(70);
    expect(Buffer.from((await one("EntryId", alt("EwsId", folder))).id!.Id!, "base64")).toHaveLength(46);
  });

  it("converts public folder and public item ids (AlternatePublicFolderId / AlternatePublicFolderItemId)", async () => {
    const store = sim.publicFolders;
    const folder = store.listFolders().find((f) => f.displayName === "Company Contacts")!;
    const item = store.items(folder.id)[0]!;
    const result = await soap(sim.url, convert("HexEntryId", `<t:AlternatePublicFolderId Format="EwsId" FolderId="${folder.id}"/><t:AlternatePublicFolderItemId Format="EwsId" FolderId="${folder.id}" ItemId="${item.id}"/>`));
    expect(codes(result)).toEqual(["NoError", "NoError"]);
    const [f, i] = findAll(result.root, "AlternateId");
    expect(f!.attrs["xsi:type"]).toBe("t:AlternatePublicFolderIdType");
    expect(i!.attrs["xsi:type"]).toBe("t:AlternatePublicFolderItemIdType");
    const back = await soap(sim.url, convert("EwsId", `<t:AlternatePublicFolderItemId Format="HexEntryId" FolderId="${i!.attrs.FolderId}" ItemId="${i!.attrs.ItemId}"/>`));
    expect(find(back.root, "AlternateId")?.attrs).toMatchObject({ FolderId: folder.id, ItemId: item.id });
  });

  it("answers each bad source with its own error and converts the others", async () => {
    const box = sim.mailbox("alice@example.com");
    const item = box.items("contacts")[0]!.id;
    const entry = (await one("EntryId", alt("EwsId", item))).id!.Id!;
    const master = box.items("calendar").find((i) => i.get("Subject") === "Weekly sync")!;
    const occurrence = find((await soap(sim.url, `<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:ItemIds><t:OccurrenceItemId RecurringMasterId="${master.id}" InstanceIndex="2"/></m:ItemIds></m:GetItem>`)).root, "ItemId")!.attrs.Id!;
    const result = await soap(sim.url, convert("EntryId", [
      alt("EwsId", "not-an-id"),
      alt("EntryId", entry, "nobody@example.com"),
      alt("EwsId", occurrence),
      alt("HexEntryId", "00FF"),
      alt("EwsId", item),
    ].join("")));
    expect(codes(result)).toEqual(["ErrorInvalidIdMalformed", "ErrorNonExistentMailbox", "ErrorUnsupportedTypeForConversion", "ErrorInvalidIdMalformed", "NoError"]);
    expect(findAll(result.root, "AlternateId")).toHaveLength(1);
  });

  it("sends responses that validate against the official schema", async () => {
    expect(await sim.validateExchanges(EWS_SCHEMA_DIR)).toEqual([]);
  });
});
