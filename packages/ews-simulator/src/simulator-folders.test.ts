import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EWS_SCHEMA_DIR } from "../../../test/harness/ews-schema.js";
import { startEwsSimulator, type EwsSimulator } from "./index.js";
import { codes, find, findAll, soap } from "./soap.test-support.js";

const findFolder = (parent: string, traversal: string, restriction = "", view = "") =>
  `<m:FindFolder Traversal="${traversal}"><m:FolderShape><t:BaseShape>AllProperties</t:BaseShape></m:FolderShape>${view}${restriction}<m:ParentFolderIds>${parent}</m:ParentFolderIds></m:FindFolder>`;
const classIs = (cls: string) =>
  `<m:Restriction><t:IsEqualTo><t:FieldURI FieldURI="folder:FolderClass"/><t:FieldURIOrConstant><t:Constant Value="${cls}"/></t:FieldURIOrConstant></t:IsEqualTo></m:Restriction>`;

describe("EWS simulator: folders", () => {
  let sim: EwsSimulator;
  beforeAll(async () => {
    sim = await startEwsSimulator({ seed: "small" });
  });
  afterAll(() => sim.stop());

  it("GetFolder resolves distinguished folders and FolderIds, with per-folder errors", async () => {
    const contactsId = sim.mailbox("alice@example.com").folder("contacts").id;
    const result = await soap(sim.url, `<m:GetFolder><m:FolderShape><t:BaseShape>AllProperties</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="calendar"/><t:FolderId Id="${contactsId}"/><t:FolderId Id="not-an-id"/><t:DistinguishedFolderId Id="tasks"/></m:FolderIds></m:GetFolder>`);
    expect(codes(result)).toEqual(["NoError", "NoError", "ErrorInvalidIdMalformed", "NoError"]);
    const folders = findAll(result.root, "Folders").flatMap((f) => f.children);
    expect(folders.map((f) => f.name)).toEqual(["CalendarFolder", "ContactsFolder", "TasksFolder"]);
    expect(find(folders[1], "FolderClass")?.text).toBe("IPF.Contact");
    expect(find(folders[1], "TotalCount")?.text).toBe("6");
    expect(find(folders[1], "FolderId")?.attrs.Id).toBe(contactsId);
    expect(find(folders[1], "FolderId")?.attrs.Id).toMatch(/^AAMkA[A-Za-z0-9+/]+=*$/);
  });

  it("FindFolder Deep with a FolderClass restriction finds every contact folder; Shallow only children", async () => {
    const deep = await soap(sim.url, findFolder(`<t:DistinguishedFolderId Id="msgfolderroot"/>`, "Deep", classIs("IPF.Contact")));
    const names = findAll(deep.root, "ContactsFolder").map((f) => find(f, "DisplayName")?.text);
    expect(names.sort()).toEqual(["Contacts", "Family"]);
    expect(find(deep.root, "RootFolder")?.attrs).toMatchObject({ TotalItemsInView: "2", IncludesLastItemInRange: "true" });
    const shallow = await soap(sim.url, findFolder(`<t:DistinguishedFolderId Id="msgfolderroot"/>`, "Shallow", classIs("IPF.Contact")));
    expect(findAll(shallow.root, "ContactsFolder").map((f) => find(f, "DisplayName")?.text)).toEqual(["Contacts"]);
    const calendars = await soap(sim.url, findFolder(`<t:DistinguishedFolderId Id="msgfolderroot"/>`, "Deep", classIs("IPF.Appointment")));
    expect(findAll(calendars.root, "CalendarFolder")).toHaveLength(2);
    const tasks = await soap(sim.url, findFolder(`<t:DistinguishedFolderId Id="msgfolderroot"/>`, "Deep", classIs("IPF.Task")));
    expect(findAll(tasks.root, "TasksFolder")).toHaveLength(2);
  });

  it("FindFolder pages with IndexedPageFolderView", async () => {
    const view = (offset: number) => `<m:IndexedPageFolderView MaxEntriesReturned="4" Offset="${offset}" BasePoint="Beginning"/>`;
    const first = await soap(sim.url, findFolder(`<t:DistinguishedFolderId Id="msgfolderroot"/>`, "Shallow", "", view(0)));
    const root = find(first.root, "RootFolder")!;
    expect(root.attrs.IncludesLastItemInRange).toBe("false");
    expect(root.attrs.IndexedPagingOffset).toBe("4");
    const total = Number(root.attrs.TotalItemsInView);
    const names: string[] = [];
    for (let offset = 0; offset < total; offset += 4) {
      const page = await soap(sim.url, findFolder(`<t:DistinguishedFolderId Id="msgfolderroot"/>`, "Shallow", "", view(offset)));
      names.push(...findAll(page.root, "DisplayName").map((d) => d.text));
    }
    expect(new Set(names).size).toBe(total);
    expect(names).toContain("Inbox");
  });

  it("FindFolder under publicfoldersroot lists public folders of each class", async () => {
    const result = await soap(sim.url, findFolder(`<t:DistinguishedFolderId Id="publicfoldersroot"/>`, "Shallow"));
    expect(codes(result)).toEqual(["NoError"]);
    expect(findAll(result.root, "DisplayName").map((d) => d.text).sort()).toEqual(["Company Calendar", "Company Contacts", "Company Tasks"]);
    const deep = await soap(sim.url, findFolder(`<t:DistinguishedFolderId Id="publicfoldersroot"/>`, "Deep"));
    expect(codes(deep)).toEqual(["ErrorInvalidOperation"]);
  });

  it("public folder items are read with FindItem; SyncFolderItems is refused there as Exchange documents", async () => {
    const folders = await soap(sim.url, findFolder(`<t:DistinguishedFolderId Id="publicfoldersroot"/>`, "Shallow", classIs("IPF.Contact")));
    const id = find(folders.root, "FolderId")!.attrs.Id!;
    const items = await soap(sim.url, `<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:IndexedPageItemView MaxEntriesReturned="10" Offset="0" BasePoint="Beginning"/><m:ParentFolderIds><t:FolderId Id="${id}"/></m:ParentFolderIds></m:FindItem>`);
    expect(findAll(items.root, "ItemId")).toHaveLength(2);
    const sync = await soap(sim.url, `<m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:SyncFolderId><t:FolderId Id="${id}"/></m:SyncFolderId><m:MaxChangesReturned>10</m:MaxChangesReturned></m:SyncFolderItems>`);
    expect(codes(sync)).toEqual(["ErrorInvalidOperation"]);
  });

  it("CreateFolder creates folders of each class and refuses a duplicate name", async () => {
    const result = await soap(sim.url, `<m:CreateFolder><m:ParentFolderId><t:DistinguishedFolderId Id="contacts"/></m:ParentFolderId><m:Folders><t:ContactsFolder><t:DisplayName>Clients</t:DisplayName></t:ContactsFolder><t:Folder><t:FolderClass>IPF.Appointment</t:FolderClass><t:DisplayName>Shared events</t:DisplayName></t:Folder><t:ContactsFolder><t:DisplayName>family</t:DisplayName></t:ContactsFolder></m:Folders></m:CreateFolder>`);
    expect(codes(result)).toEqual(["NoError", "NoError", "ErrorFolderExists"]);
    const ids = findAll(result.root, "FolderId").map((f) => f.attrs.Id!);
    const box = sim.mailbox("alice@example.com");
    expect(box.folder(ids[0]!)).toMatchObject({ displayName: "Clients", folderClass: "IPF.Contact" });
    expect(box.folder(ids[1]!)).toMatchObject({ displayName: "Shared events", folderClass: "IPF.Appointment" });
  });

  it("DeleteFolder deletes a folder with its items and refuses distinguished folders", async () => {
    const box = sim.mailbox("alice@example.com");
    const doomed = box.createFolder("contacts", "Old clients", "IPF.Contact");
    const inside = box.createItem(doomed.id, "<Contact><GivenName>Gone</GivenName></Contact>");
    const result = await soap(sim.url, `<m:DeleteFolder DeleteType="HardDelete"><m:FolderIds><t:FolderId Id="${doomed.id}"/><t:DistinguishedFolderId Id="contacts"/><t:FolderId Id="${doomed.id}"/></m:FolderIds></m:DeleteFolder>`);
    expect(codes(result)).toEqual(["NoError", "ErrorDeleteDistinguishedFolder", "ErrorFolderNotFound"]);
    expect(box.item(inside.id)).toBeUndefined();
    expect(box.listFolders().some((f) => f.id === doomed.id)).toBe(false);
  });

  it("SyncFolderHierarchy returns everything first, then exactly the later changes", async () => {
    const shape = `<m:FolderShape><t:BaseShape>AllProperties</t:BaseShape></m:FolderShape>`;
    const first = await soap(sim.url, `<m:SyncFolderHierarchy>${shape}</m:SyncFolderHierarchy>`);
    expect(findAll(first.root, "Create").length).toBeGreaterThan(15);
    expect(find(first.root, "IncludesLastFolderInRange")?.text).toBe("true");
    const state = find(first.root, "SyncState")!.text;
    const box = sim.mailbox("alice@example.com");
    const created = box.createFolder("tasks", "Errands", "IPF.Task");
    box.renameFolder("calendar", "Kalender");
    const doomed = box.createFolder("contacts", "Temporary", "IPF.Contact");
    const afterCreate = await soap(sim.url, `<m:SyncFolderHierarchy>${shape}<m:SyncState>${state}</m:SyncState></m:SyncFolderHierarchy>`);
    const state2 = find(afterCreate.root, "SyncState")!.text;
    box.deleteFolder(doomed.id);
    const next = await soap(sim.url, `<m:SyncFolderHierarchy>${shape}<m:SyncState>${state2}</m:SyncState></m:SyncFolderHierarchy>`);
    const changes = find(afterCreate.root, "Changes")!.children;
    expect(changes.map((c) => `${c.name}:${find(c, "DisplayName")?.text}`).sort()).toEqual(["Create:Errands", "Create:Temporary", "Update:Contacts", "Update:Kalender", "Update:Tasks"]);
    expect(find(changes.find((c) => find(c, "DisplayName")?.text === "Errands"), "FolderId")?.attrs.Id).toBe(created.id);
    const deletes = find(next.root, "Changes")!.children;
    expect(deletes.map((c) => c.name).sort()).toEqual(["Delete", "Update"]);
    expect(find(deletes.find((c) => c.name === "Delete"), "FolderId")?.attrs.Id).toBe(doomed.id);
    const bad = await soap(sim.url, `<m:SyncFolderHierarchy>${shape}<m:SyncState>AAAA${state.slice(4)}</m:SyncState></m:SyncFolderHierarchy>`);
    expect(codes(bad)).toEqual(["ErrorInvalidSyncStateData"]);
  });

  it("sends responses that validate against the official schema", async () => {
    expect(await sim.validateExchanges(EWS_SCHEMA_DIR)).toEqual([]);
  });
});
