import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { propertyRuns } from "../../../test/harness/fast-check-setup.js";
import { startEwsSimulator, type EwsSimulator } from "./index.js";
import { find, soap } from "./soap.test-support.js";

type Command =
  | { kind: "create" }
  | { kind: "update"; pick: number }
  | { kind: "delete"; pick: number }
  | { kind: "move"; pick: number }
  | { kind: "sync"; max: number };

const command: fc.Arbitrary<Command> = fc.oneof(
  fc.constant<Command>({ kind: "create" }),
  fc.nat(50).map<Command>((pick) => ({ kind: "update", pick })),
  fc.nat(50).map<Command>((pick) => ({ kind: "delete", pick })),
  fc.nat(50).map<Command>((pick) => ({ kind: "move", pick })),
  fc.integer({ min: 1, max: 4 }).map<Command>((max) => ({ kind: "sync", max })),
);

describe("EWS simulator: SyncFolderItems against a model", () => {
  let sim: EwsSimulator;
  beforeAll(async () => {
    sim = await startEwsSimulator();
  });
  afterAll(() => sim.stop());

  it("a replica built only from sync pages always converges to the folder's content (ids and ChangeKeys)", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 5, maxLength: 25 }), async (commands) => {
        const box = sim.mailbox("alice@example.com");
        const folder = box.createFolder("contacts", `Model ${run++}`, "IPF.Contact").id;
        const replica = new Map<string, string>();
        let state: string | undefined;
        const syncPage = async (max: number) => {
          const result = await soap(sim.url, `<m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:SyncFolderId><t:FolderId Id="${folder}"/></m:SyncFolderId>${state ? `<m:SyncState>${state}</m:SyncState>` : ""}<m:MaxChangesReturned>${max}</m:MaxChangesReturned></m:SyncFolderItems>`);
          state = find(result.root, "SyncState")!.text;
          for (const change of find(result.root, "Changes")!.children) {
            const id = find(change, "ItemId")!;
            if (change.name === "Create") {
              expect(replica.has(id.attrs.Id!)).toBe(false);
              replica.set(id.attrs.Id!, id.attrs.ChangeKey!);
            } else if (change.name === "Update") {
              expect(replica.has(id.attrs.Id!)).toBe(true);
              replica.set(id.attrs.Id!, id.attrs.ChangeKey!);
            } else if (change.name === "Delete") {
              expect(replica.delete(id.attrs.Id!)).toBe(true);
            }
          }
          return find(result.root, "IncludesLastItemInRange")!.text === "true";
        };
        let n = 0;
        for (const c of commands) {
          const items = box.items(folder);
          const target = items.length ? items[("pick" in c ? c.pick : 0) % items.length]! : undefined;
          if (c.kind === "create") box.createItem(folder, `<Contact><GivenName>N${n++}</GivenName></Contact>`);
          else if (c.kind === "update" && target) box.updateItem(target.id, `<Contact><Surname>S${n++}</Surname></Contact>`);
          else if (c.kind === "delete" && target) box.deleteItem(target.id);
          else if (c.kind === "move" && target) box.deleteItem(target.id, "MoveToDeletedItems");
          else if (c.kind === "sync") await syncPage(c.max);
        }
        while (!(await syncPage(3)));
        const actual = new Map(box.items(folder).map((i) => [i.id, i.changeKey]));
        expect(replica).toEqual(actual);
      }),
      {
        // The suite's seed (fuzz mode: EWSDAV_FUZZ_SEED and more runs), see test/harness/fast-check-setup.ts.
        numRuns: propertyRuns(25),
        examples: [
          // Issue 13 item 7: an item changed before the first page of an initial sync sorts after the
          // page's watermark, yet its Create was never sent: a later page must not call it an Update.
          [[{ kind: "create" }, { kind: "create" }, { kind: "create" }, { kind: "update", pick: 0 }, { kind: "sync", max: 1 }]],
        ],
      },
    );
  });
});
