/**
 * A deletion (or an edit) during the engine's tagging step, over real sides. A contact made in
 * Outlook has no ewsdav UID: the cycle copies it into a vdir folder and writes the UID onto the
 * original (`SyncSide.tag`: an EWS UpdateItem of ewsdav's property, a Graph PATCH). Another client
 * deletes or edits the original between the cycle's listing and that tag — injected by a side
 * wrapper right before the tag request goes out, the request then made for real against the
 * simulator — so the tag answers not-found (or a precondition). The deletion must win over the copy
 * just made, and nothing may come back in later cycles; an edit must arrive, once. The same with the
 * process killed (the state store refusing every write from then on, as after kill -9) right after
 * the copy was made, or right after the tag answered, and then a new engine resuming.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { basicAuth, EwsClient } from "@ewsdav/ews-client";
import { startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import { ConcurrencyLimiter, GraphClient } from "@ewsdav/graph-client";
import { startGraphSimulator, type GraphSimulator } from "@ewsdav/graph-simulator";
import { MemoryStateStore, SyncEngine, type ItemTag, type ItemUpdate, type SyncReport, type SyncSide } from "@ewsdav/core";
import { EwsSide } from "@ewsdav/core/ews";
import { GraphSide } from "@ewsdav/core/graph";
import { VdirSide } from "@ewsdav/core/vdir";
import { prop } from "../src/fixtures.test-support.js";
import { Killed, mortal } from "./mortal-store.test-support.js";

const ok = (r: SyncReport) => expect(r.ok, JSON.stringify(r.pairs.map((p) => [p.pairId, p.error, p.errors.slice(0, 3)]))).toBe(true);


/** What a test does around the sides' writes: before the original's tag goes out, after it answered, after the copy was made. */
interface Hooks {
  beforeTag?: (ids: readonly string[]) => void | Promise<void>;
  afterTag?: () => void | Promise<void>;
  afterCreate?: () => void | Promise<void>;
  /** Throws (a dead process makes no more requests). */
  gate?: () => void;
}

/** The side, with the hooks run around its tags (or the updates that tag) and creates. */
function hooked(side: SyncSide, hooks: Hooks): SyncSide {
  const around =
    <T extends ItemTag | ItemUpdate, R>(call: (collection: string, items: readonly T[], signal?: AbortSignal) => Promise<R>) =>
    async (collection: string, items: readonly T[], signal?: AbortSignal): Promise<R> => {
      hooks.gate?.();
      await hooks.beforeTag?.(items.map((i) => i.id));
      const answers = await call(collection, items, signal);
      await hooks.afterTag?.();
      return answers;
    };
  return new Proxy(side, {
    get(target, key) {
      if (key === "tag" && target.tag) return around(target.tag.bind(target));
      if (key === "update") return around(target.update.bind(target));
      if (key === "create") {
        return async (collection: string, items: Parameters<SyncSide["create"]>[1], signal?: AbortSignal) => {
          hooks.gate?.();
          const answers = await target.create(collection, items, signal);
          await hooks.afterCreate?.();
          return answers;
        };
      }
      const value = Reflect.get(target, key, target) as unknown;
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        hooks.gate?.();
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}


type Race = "delete" | "edit";
type Kill = "none" | "after the copy" | "after the tag";

/** One world: a mailbox's contacts folder over one protocol, a vdir folder, a pair between them. */
interface World {
  /** Makes a contact as Outlook would (no ewsdav UID), job title "Original"; returns the side's id of it. */
  make(name: string): Promise<string>;
  /** Another client deletes or edits (job title) the contact. */
  remove(id: string): Promise<void>;
  edit(id: string, title: string): Promise<void>;
  /** The names and job titles of the folder's contacts, as the protocol lists them. */
  listed(): Promise<Array<{ name: string; title: string | null }>>;
  side: SyncSide;
  collection: string;
}

/** Starts a protocol's simulators; `world` makes a fresh folder in its mailbox. */
type Setup = () => Promise<{ world: () => Promise<World>; stop: () => Promise<void> }>;

function suite(name: string, setup: Setup, kills: Kill[] = ["none", "after the copy", "after the tag"]): void {
  describe(`a contact made in Outlook, deleted or edited during the engine's tag, ${name} ↔ vdir`, () => {
    let made: Awaited<ReturnType<typeof setup>>;
    const roots: string[] = [];
    beforeAll(async () => {
      made = await setup();
    });
    afterAll(async () => {
      await made?.stop();
      for (const root of roots) rmSync(root, { recursive: true, force: true });
    });

    const cases = (
      [
        ["delete", "none"],
        ["edit", "none"],
        ["delete", "after the copy"],
        ["delete", "after the tag"],
        ["edit", "after the tag"],
      ] as Array<[Race, Kill]>
    ).filter(([, kill]) => kills.includes(kill));
    it.each(cases)("%s during the tag, killed: %s", async (race, kill) => {
      const w = await made.world();
      const root = mkdtempSync(join(tmpdir(), "ewsdav-tag-race-"));
      roots.push(root);
      const vdir = new VdirSide({ root, fsync: false });
      const folder = await vdir.createCollection("contacts", "contacts");
      const files = () =>
        readdirSync(join(root, folder.id))
          .filter((f) => f.endsWith(".vcf"))
          .map((f) => readFileSync(join(root, folder.id, f), "utf8"))
          .map((t) => ({ name: prop(t, "FN"), title: prop(t, "TITLE"), uid: prop(t, "UID") }))
          .sort((a, b) => String(a.name).localeCompare(String(b.name)));
      // The store's lease clock: the new process comes after the dead one's lease ran out.
      let clock = 0;
      const inner = new MemoryStateStore({ now: () => clock });
      const store = mortal(inner);
      const die = () => {
        store.dead = true;
      };
      const gate = () => {
        if (store.dead) throw new Killed("dead");
      };
      await w.make("Bystander Contact");
      let target: string | undefined;
      let raced = false;
      let copied!: () => void;
      const copyMade = new Promise<void>((resolve) => (copied = resolve));
      const act = async () => {
        raced = true;
        if (race === "delete") await w.remove(target!);
        else await w.edit(target!, "Edited in Outlook");
      };
      const remote = hooked(w.side, {
        gate,
        beforeTag: async (ids) => {
          if (raced || target === undefined || !ids.includes(target)) return;
          // The copy is made (the vdir create runs beside the tag); then another client acts, then our tag goes out.
          await copyMade;
          if (kill === "after the copy") {
            await act();
            die();
            throw new Killed("killed after the copy was made, before the tag");
          }
          await act();
        },
        afterTag: () => {
          if (raced && kill === "after the tag") die();
        },
      });
      const local = hooked(vdir, { gate, afterCreate: () => copied() });
      const engine = new SyncEngine({ store, sides: [remote, local], policy: { conflict: "local-wins" } });
      await engine.link({ id: "p", kind: "contacts", remote: { side: w.side.name, collection: w.collection }, local: { side: "vdir", collection: folder.id } });
      ok(await engine.runOnce());
      ok(await engine.runOnce());
      expect(files().map((f) => f.name)).toEqual(["Bystander Contact"]);

      target = await w.make("Made In Outlook");
      const racedReport = await engine.runOnce().catch((error: unknown) => error);
      expect(raced).toBe(true);
      let again = engine;
      if (kill !== "none") {
        expect(store.dead).toBe(true);
        // A new process on the same state resumes, once the dead one's lease ran out.
        clock += 600_000;
        again = new SyncEngine({ store: inner, sides: [w.side, vdir], policy: { conflict: "local-wins" } });
      } else ok(racedReport as SyncReport);
      for (let i = 0; i < 3; i++) ok(await again.runOnce());
      const want = race === "delete" ? ["Bystander Contact"] : ["Bystander Contact", "Made In Outlook"];
      expect(files().map((f) => f.name)).toEqual(want);
      expect((await w.listed()).map((c) => c.name).sort()).toEqual(want);
      if (race === "edit") {
        expect(files().find((f) => f.name === "Made In Outlook")!.title).toBe("Edited in Outlook");
        expect((await w.listed()).find((c) => c.name === "Made In Outlook")!.title).toBe("Edited in Outlook");
      }
      expect(await inner.listJournal("p")).toEqual([]);
      expect((await inner.listItems("p")).length).toBe(want.length);
    });
  });
}

suite("EWS", async () => {
  const sim: EwsSimulator = await startEwsSimulator({ record: false });
  const client = new EwsClient({ url: sim.url, auth: basicAuth({ username: "alice@example.com", password: "secret" }), mailbox: "alice@example.com" });
  const box = sim.mailbox("alice@example.com");
  let n = 0;
  return {
    world: async () => {
      const folder = box.createFolder("msgfolderroot", `race-${++n}`, "IPF.Contact");
      const side = new EwsSide({ client, name: "ews", timeZone: "UTC" });
      await side.listCollections();
      return {
        side,
        collection: folder.id,
        make: async (name) => {
          const [given, ...rest] = name.split(" ");
          return box.createItem(folder.id, `<Contact><GivenName>${given}</GivenName><JobTitle>Original</JobTitle><Surname>${rest.join(" ")}</Surname></Contact>`).id;
        },
        remove: async (id) => box.deleteItem(id, "HardDelete"),
        edit: async (id, title) => void box.updateItem(id, `<Contact><JobTitle>${title}</JobTitle></Contact>`),
        listed: async () => box.items(folder.id).map((i) => ({ name: `${i.get("GivenName")} ${i.get("Surname")}`, title: i.get("JobTitle") ?? null })),
      };
    },
    stop: async () => {
      await client.close();
      await sim.stop();
    },
  };
});

const graphWorld = (soft: boolean): Setup => async () => {
  const ewsSim: EwsSimulator = await startEwsSimulator({ record: false });
  const sim: GraphSimulator = await startGraphSimulator({ mailbox: (a) => ewsSim.mailbox(a), tokens: { t: "alice@example.com" } });
  const graph = new GraphClient({ baseUrl: sim.url, getToken: async () => "t", limiter: new ConcurrencyLimiter(4), baseDelayMs: 10 });
  const box = ewsSim.mailbox("alice@example.com");
  let n = 0;
  return {
    world: async () => {
      const folder = await graph.createContactFolder(`race-${++n}`);
      const side = new GraphSide({ client: graph, name: "graph" });
      await side.listCollections();
      return {
        side,
        collection: folder.id,
        make: async (name) => {
          const [givenName, ...rest] = name.split(" ");
          return (await graph.createContact({ givenName, surname: rest.join(" "), displayName: name, jobTitle: "Original" }, folder.id)).id;
        },
        // As Outlook's Shift+Delete (what the watch test did): gone for good. Graph's DELETE moves the
        // contact to Deleted Items under the same immutable id instead (the `soft` world).
        remove: async (id) =>
          soft ? graph.deleteContact(id) : box.deleteItem((await graph.translateExchangeIds([id], "restImmutableEntryId", "ewsId"))[0]!.targetId!, "HardDelete"),
        edit: async (id, jobTitle) => void (await graph.updateContact(id, { jobTitle })),
        listed: async () => (await graph.listContacts(folder.id, { pageSize: 100 })).map((c) => ({ name: c.displayName ?? "", title: c.jobTitle ?? null })),
      };
    },
    stop: async () => {
      await graph.close();
      await Promise.all([sim.stop(), ewsSim.stop()]);
    },
  };
};

suite("Graph", graphWorld(false));
// A contact deleted over Graph (moved to Deleted Items, its id still readable): killed, the resuming
// cycle reads the journaled id and finds the contact in Deleted Items, which the read calls not-found
// (`ItemCodec.outside`: the contact's parentFolderId is not the pair's folder).
suite("Graph (deleted over Graph)", graphWorld(true));
