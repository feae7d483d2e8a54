import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EWS_SCHEMA_DIR } from "../../../test/harness/ews-schema.js";
import { startEwsSimulator, type EwsSimulator } from "./index.js";
import { codes, find, findAll, soap } from "./soap.test-support.js";

const request = (name: string, properties: string, folder = `<t:DistinguishedFolderId Id="root"/>`) =>
  `<m:GetUserConfiguration><m:UserConfigurationName Name="${name}">${folder}</m:UserConfigurationName><m:UserConfigurationProperties>${properties}</m:UserConfigurationProperties></m:GetUserConfiguration>`;

describe("EWS simulator: GetUserConfiguration (DavMail reads the user's time zone from OWA.UserOptions)", () => {
  let sim: EwsSimulator;
  beforeAll(async () => {
    sim = await startEwsSimulator({ seed: "small", users: [{ smtpAddress: "alice@example.com", password: "secret" }, { smtpAddress: "bob@example.com", password: "secret" }] });
    sim.mailbox("bob@example.com").setUserConfiguration("calendar", "Calendar", { piReminderUpgradeTime: "0" });
  });
  afterAll(() => sim.stop());

  it("returns a stored configuration's dictionary for Dictionary or All, and only its name for Id", async () => {
    const all = await soap(sim.url, request("OWA.UserOptions", "All"));
    expect(codes(all)).toEqual(["NoError"]);
    const entries = findAll(all.root, "DictionaryEntry").map((e) => findAll(e, "Value").map((v) => v.text));
    expect(entries).toEqual([["timezone", "W. Europe Standard Time"]]);
    expect(find(all.root, "UserConfigurationName")?.attrs.Name).toBe("OWA.UserOptions");
    const id = await soap(sim.url, request("OWA.UserOptions", "Id"));
    expect(codes(id)).toEqual(["NoError"]);
    expect(find(id.root, "Dictionary")).toBeUndefined();
  });

  it("answers ErrorItemNotFound where no client stored one, and ErrorFolderNotFound for a bad folder", async () => {
    expect(codes(await soap(sim.url, request("OWA.Nothing", "All")))).toEqual(["ErrorItemNotFound"]);
    expect(codes(await soap(sim.url, request("Calendar", "Dictionary", `<t:DistinguishedFolderId Id="calendar"/>`), { user: "bob@example.com" }))).toEqual(["NoError"]);
    const box = sim.mailbox("alice@example.com");
    const gone = box.createFolder("root", "Gone soon").id;
    box.deleteFolder(gone);
    expect(codes(await soap(sim.url, request("OWA.UserOptions", "All", `<t:FolderId Id="${gone}"/>`)))).toEqual(["ErrorFolderNotFound"]);
  });

  it("sends responses that validate against the official schema", async () => {
    expect(await sim.validateExchanges(EWS_SCHEMA_DIR)).toEqual([]);
  });
});
