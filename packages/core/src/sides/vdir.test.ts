import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, unlinkSync, utimesSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { VdirSide } from "@ewsdav/core/vdir";
import { MemorySide, MemoryStateStore, SideError, SyncEngine } from "@ewsdav/core";
import { prop, vcard, vevent } from "../fixtures.test-support.js";

const tempRoot = () => mkdtempSync(join(tmpdir(), "ewsdav-vdir-"));

describe("VdirSide", () => {
  it("lists collections with their kind and display name, and creates new ones", async () => {
    const root = tempRoot();
    mkdirSync(join(root, "work"));
    writeFileSync(join(root, "work", "a.ics"), vevent("a", { SUMMARY: "x" }));
    writeFileSync(join(root, "work", "displayname"), "Work calendar");
    mkdirSync(join(root, "people"));
    writeFileSync(join(root, "people", "p.vcf"), vcard("p", { FN: "P" }));
    mkdirSync(join(root, "todo"));
    writeFileSync(join(root, "todo", "t.ics"), "BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\nUID:t\r\nEND:VTODO\r\nEND:VCALENDAR\r\n");
    const side = new VdirSide({ root });
    const created = await side.createCollection("contacts", "My Contacts!");
    expect(created).toEqual({ id: "my-contacts", kind: "contacts", displayName: "My Contacts!" });
    expect(await side.listCollections()).toEqual([
      { id: "my-contacts", kind: "contacts", displayName: "My Contacts!" },
      { id: "people", kind: "contacts", displayName: "people" },
      { id: "todo", kind: "tasks", displayName: "todo" },
      { id: "work", kind: "events", displayName: "Work calendar" },
    ]);
  });

  it("creates files named after safe UIDs (hashed otherwise), never replaces one, and reads them back", async () => {
    const root = tempRoot();
    const side = new VdirSide({ root, fsync: false });
    const { id: c } = await side.createCollection("events", "cal");
    const [a, b, again] = await side.create(c, [
      { uid: "abc@example.org", text: vevent("abc@example.org", { SUMMARY: "x" }) },
      { uid: "weird/uid ä", text: vevent("weird/uid ä", { SUMMARY: "y" }) },
      { uid: "abc@example.org", text: vevent("abc@example.org", { SUMMARY: "z" }) },
    ]);
    expect((a as { id: string }).id).toBe("abc@example.org.ics");
    expect((b as { id: string }).id).toMatch(/^[0-9a-f]{32}\.ics$/);
    expect(again).toBeInstanceOf(SideError);
    expect((again as SideError).code).toBe("already-exists");
    const [item] = await side.fetch(c, ["abc@example.org.ics"]);
    expect(item).toMatchObject({ uid: "abc@example.org", id: "abc@example.org.ics" });
    expect(prop((item as { text: string }).text, "SUMMARY")).toBe("x");
    expect(readdirSync(join(root, c)).filter((f) => f.startsWith(".ewsdav-tmp"))).toEqual([]);
    expect(statSync(join(root, c, "abc@example.org.ics")).mode & 0o777).toBe(0o600);
    const [missing] = await side.fetch(c, ["nope.ics"]);
    expect((missing as SideError).code).toBe("not-found");
  });

  it("answers a write with the version the listing and a read then give, by stat and by hash, with and without fsync", async () => {
    for (const options of [{ version: "stat" as const, fsync: true }, { version: "hash" as const, fsync: true }, { version: "stat" as const, fsync: false }]) {
      const side = new VdirSide({ root: tempRoot(), ...options });
      const { id: c } = await side.createCollection("contacts", "book");
      const created = (await side.create(c, [
        { uid: "a", text: vcard("a", { FN: "A ä" }) },
        { uid: "b", text: vcard("b", { FN: "B" }) },
      ])) as Array<{ id: string; version: string }>;
      const [updated] = (await side.update(c, [{ ...created[1]!, uid: "b", text: vcard("b", { FN: "B2" }) }])) as Array<{ id: string; version: string }>;
      const written = new Map([created[0]!, updated!].map((w) => [w.id, w.version]));
      const listed = (await side.changes(c, null)).changed;
      expect(new Map(listed.map((i) => [i.id, i.version])), JSON.stringify(options)).toEqual(written);
      const read = (await side.fetch(c, [...written.keys()])) as Array<{ id: string; version: string }>;
      expect(new Map(read.map((i) => [i.id, i.version])), JSON.stringify(options)).toEqual(written);
    }
  });

  it("checks versions on update and delete, including an edit made in place by another tool", async () => {
    const root = tempRoot();
    const side = new VdirSide({ root, fsync: false });
    const { id: c } = await side.createCollection("contacts", "book");
    const [created] = (await side.create(c, [{ uid: "u", text: vcard("u", { FN: "A" }) }])) as Array<{ id: string; version: string }>;
    const [updated] = (await side.update(c, [{ ...created!, uid: "u", text: vcard("u", { FN: "B" }) }])) as Array<{ id: string; version: string }>;
    expect(updated!.version).not.toBe(created!.version);
    const [stale] = await side.update(c, [{ ...created!, uid: "u", text: vcard("u", { FN: "C" }) }]);
    expect((stale as SideError).code).toBe("precondition-failed");
    // Another program rewrites the file in place, same size, and sets a new mtime.
    const path = join(root, c, updated!.id);
    writeFileSync(path, readFileSync(path, "utf8").replace("FN:B", "FN:X"));
    utimesSync(path, new Date(), new Date(Date.now() + 5000));
    const [staleDelete] = await side.remove(c, [updated!]);
    expect((staleDelete as SideError).code).toBe("precondition-failed");
    const [fresh] = (await side.fetch(c, [updated!.id])) as Array<{ id: string; version: string }>;
    expect(await side.remove(c, [fresh!])).toEqual([null]);
    expect(((await side.remove(c, [fresh!]))[0] as SideError).code).toBe("not-found");
  });

  it("writes a batch larger than one durable chunk: answers in the batch's order, the first of a repeated name placed, no temporary file left", async () => {
    const root = tempRoot();
    const side = new VdirSide({ root, maxBatch: 200 });
    const { id: c } = await side.createCollection("contacts", "book");
    mkdirSync(join(root, c, "taken.vcf")); // a name that cannot be linked to (EEXIST)
    const uids = Array.from({ length: 150 }, (_, n) => `u${n}`);
    uids[70] = "u3"; // the same file name as an earlier item of the batch
    uids[140] = "taken";
    const created = await side.create(c, uids.map((uid, n) => ({ uid, text: vcard(uid, { FN: `N${n}` }) })));
    expect(created).toHaveLength(150);
    created.forEach((result, n) => {
      if (n === 70 || n === 140) expect((result as SideError).code, String(n)).toBe("already-exists");
      else expect((result as { id: string }).id, String(n)).toBe(`${uids[n]}.vcf`);
    });
    expect(prop(((await side.fetch(c, ["u3.vcf"]))[0] as { text: string }).text, "FN")).toBe("N3");
    const ok = created.filter((r): r is { id: string; version: string } => !(r instanceof SideError));
    // Every other one changed on disk since: those fail their check, the rest are replaced, in order.
    const stale = new Set(ok.filter((_, n) => n % 2 === 1).map((r) => r.id));
    for (const id of stale) writeFileSync(join(root, c, id), vcard(id.replace(/\.vcf$/, ""), { FN: "edited elsewhere" }));
    const updated = await side.update(c, ok.map((r) => ({ ...r, uid: r.id.replace(/\.vcf$/, ""), text: vcard(r.id.replace(/\.vcf$/, ""), { FN: "new" }) })));
    updated.forEach((result, n) => {
      const id = ok[n]!.id;
      if (stale.has(id)) expect((result as SideError).code, id).toBe("precondition-failed");
      else expect(result, id).toMatchObject({ id });
    });
    const listed = new Map((await side.changes(c, null)).changed.map((i) => [i.id, i.version]));
    for (const [n, result] of updated.entries()) if (!(result instanceof SideError)) expect(listed.get(ok[n]!.id)).toBe(result.version);
    expect(readdirSync(join(root, c)).filter((f) => f.startsWith(".ewsdav-tmp"))).toEqual([]);
  });

  it("answers 'nothing changed' for an unchanged folder and the full listing otherwise", async () => {
    const root = tempRoot();
    const side = new VdirSide({ root, fsync: false });
    const { id: c } = await side.createCollection("contacts", "book");
    await side.create(c, [{ uid: "u", text: vcard("u", { FN: "A" }) }]);
    const first = await side.changes(c, null);
    expect(first).toMatchObject({ complete: true, changed: [{ id: "u.vcf" }] });
    expect(await side.changes(c, first.cursor)).toEqual({ cursor: first.cursor, changed: [], deleted: [], complete: false });
    writeFileSync(join(root, c, "other.vcf"), vcard("o", { FN: "O" }));
    const third = await side.changes(c, first.cursor);
    expect(third.complete).toBe(true);
    expect(third.changed.map((v) => v.id)).toEqual(["other.vcf", "u.vcf"]);
  });

  it("refuses writes when read-only", async () => {
    const root = tempRoot();
    mkdirSync(join(root, "c"));
    const side = new VdirSide({ root, readOnly: true });
    const [r] = await side.create("c", [{ uid: "u", text: vcard("u", { FN: "A" }) }]);
    expect((r as SideError).code).toBe("read-only");
  });

  it("syncs two-way with a memory side through the engine; a no-op cycle fetches and writes nothing", async () => {
    const root = tempRoot();
    const vdir = new VdirSide({ root, fsync: false });
    const remote = new MemorySide({ name: "remote" });
    remote.addCollection("contacts", "contacts");
    for (let i = 0; i < 20; i++) remote.put("contacts", vcard(`r${i}`, { FN: `R ${i}` }));
    const engine = new SyncEngine({ store: new MemoryStateStore(), sides: [vdir, remote] });
    const pair = await engine.link({ kind: "contacts", remote: { side: "remote", collection: "contacts" }, local: { side: "vdir", create: { displayName: "Contacts" } } });
    expect((await engine.runOnce()).pairs[0]!.local.created).toHaveLength(20);
    const dir = join(root, pair.local.collection);
    expect(readdirSync(dir).filter((f) => f.endsWith(".vcf"))).toHaveLength(20);
    // A local edit by another program and a remote edit.
    writeFileSync(join(dir, "r3.vcf"), vcard("r3", { FN: "R 3 edited locally" }));
    writeFileSync(join(dir, "new.vcf"), vcard("n", { FN: "new local" }));
    remote.edit("contacts", remote.items("contacts").find((i) => i.uid === "r4")!.id, vcard("r4", { FN: "R 4 edited remotely" }));
    const report = await engine.runOnce();
    expect(report.ok).toBe(true);
    expect(prop(remote.items("contacts").find((i) => i.uid === "r3")!.text, "FN")).toBe("R 3 edited locally");
    expect(remote.items("contacts").some((i) => i.uid === "n")).toBe(true);
    expect(prop(readFileSync(join(dir, "r4.vcf"), "utf8"), "FN")).toBe("R 4 edited remotely");
    await engine.runOnce();
    remote.resetCalls();
    const quiet = await engine.runOnce();
    expect(quiet.pairs[0]!.local.fetched + quiet.pairs[0]!.remote.fetched).toBe(0);
    expect(remote.calls.itemWrites).toBe(0);
    expect(quiet.pairs[0]!.local.created.length + quiet.pairs[0]!.local.updated.length).toBe(0);
  });

  it("after the cycle that wrote its files, a full listing matching the state is a quiet cycle: ids and versions read, no item record", async () => {
    const root = tempRoot();
    const vdir = new VdirSide({ root, fsync: false });
    const remote = new MemorySide({ name: "remote" });
    remote.addCollection("contacts", "contacts");
    for (let i = 0; i < 5; i++) remote.put("contacts", vcard(`r${i}`, { FN: `R ${i}` }));
    const store = new MemoryStateStore();
    const reads = { items: 0, versions: 0 };
    const listItems = store.listItems.bind(store);
    const listVersions = store.listVersions.bind(store);
    store.listItems = (pairId) => (reads.items++, listItems(pairId));
    store.listVersions = (pairId, slot) => (reads.versions++, listVersions(pairId, slot));
    const engine = new SyncEngine({ store, sides: [vdir, remote] });
    const pair = await engine.link({ kind: "contacts", remote: { side: "remote", collection: "contacts" }, local: { side: "vdir", create: { displayName: "Contacts" } } });
    expect((await engine.runOnce()).pairs[0]!.local.created).toHaveLength(5);
    // The vdir cursor stored covers the folder before the writes: the next feed is the full listing.
    Object.assign(reads, { items: 0, versions: 0 });
    const echo = await engine.runOnce();
    expect(echo.ok).toBe(true);
    expect(reads).toEqual({ items: 0, versions: 1 });
    // Then the cursor matches: nothing read at all.
    Object.assign(reads, { items: 0, versions: 0 });
    await engine.runOnce();
    expect(reads).toEqual({ items: 0, versions: 0 });
    // An edit in place with the same size (and a new mtime) is a change, read in full.
    const path = join(root, pair.local.collection, "r2.vcf");
    writeFileSync(path, readFileSync(path, "utf8").replace("FN:R 2", "FN:X 2"));
    utimesSync(path, new Date(), new Date(Date.now() + 5000));
    const edited = await engine.runOnce();
    expect(reads.items).toBe(1);
    expect(edited.pairs[0]!.remote.updated).toHaveLength(1);
    expect(prop(remote.items("contacts").find((i) => i.uid === "r2")!.text, "FN")).toBe("X 2");
    // A file deleted and another created in between: both seen.
    unlinkSync(join(root, pair.local.collection, "r1.vcf"));
    writeFileSync(join(root, pair.local.collection, "n.vcf"), vcard("n", { FN: "N" }));
    const moved = await engine.runOnce();
    expect(moved.pairs[0]!.remote.deleted).toHaveLength(1);
    expect(moved.pairs[0]!.remote.created).toHaveLength(1);
  });

  it("does not follow symbolic links: a linked file is skipped and reported, never read or synced", async () => {
    const root = tempRoot();
    const secrets = mkdtempSync(join(tmpdir(), "ewsdav-secret-"));
    writeFileSync(join(secrets, "id_rsa"), "-----BEGIN OPENSSH PRIVATE KEY-----\nsecret-key-material\n");
    writeFileSync(join(secrets, "card.vcf"), vcard("outside", { FN: "Outside the folder" }));
    const vdir = new VdirSide({ root, fsync: false });
    const { id: c } = await vdir.createCollection("contacts", "book");
    const dir = join(root, c);
    writeFileSync(join(dir, "real.vcf"), vcard("real", { FN: "Real" }));
    symlinkSync(join(secrets, "id_rsa"), join(dir, "key.vcf"));
    symlinkSync(join(secrets, "card.vcf"), join(dir, "linked.vcf"));
    execFileSync("mkfifo", [join(dir, "pipe.vcf")]); // reading it would block the cycle for good
    const remote = new MemorySide({ name: "remote" });
    remote.addCollection("contacts", "contacts");
    const engine = new SyncEngine({ store: new MemoryStateStore(), sides: [vdir, remote] });
    await engine.link({ id: "p", kind: "contacts", remote: { side: "remote", collection: "contacts" }, local: { side: "vdir", collection: c } });
    const report = (await engine.runOnce()).pairs[0]!;
    expect(report.remote.created.map((r) => r.uid)).toEqual(["real"]);
    expect(report.errors.map((e) => [e.slot, e.id, e.code])).toEqual([
      ["local", "key.vcf", "rejected"],
      ["local", "linked.vcf", "rejected"],
      ["local", "pipe.vcf", "rejected"],
    ]);
    expect(report.errors[0]!.message).toMatch(/symbolic link, which is not followed/);
    expect(report.errors[2]!.message).toMatch(/not a regular file/);
    expect(remote.items("contacts").map((i) => i.text).join("")).not.toMatch(/secret-key-material|Outside the folder/);
    // Still reported while the links are there; nothing read through them on later cycles either.
    const again = (await engine.runOnce()).pairs[0]!;
    expect(again.errors.map((e) => e.id).sort()).toEqual(["key.vcf", "linked.vcf", "pipe.vcf"]);
    expect(remote.items("contacts")).toHaveLength(1);
    // Direct calls: a read, update or delete of a link answers rejected and leaves the target alone.
    const [read] = await vdir.fetch(c, ["linked.vcf"]);
    expect(read).toMatchObject({ code: "rejected" });
    const [update] = await vdir.update(c, [{ id: "linked.vcf", version: null, uid: "outside", text: vcard("outside", { FN: "overwritten" }) }]);
    const [removal] = await vdir.remove(c, [{ id: "key.vcf", version: null }]);
    expect([update, removal]).toMatchObject([{ code: "rejected" }, { code: "rejected" }]);
    expect(readFileSync(join(secrets, "card.vcf"), "utf8")).toContain("Outside the folder");
  });

  it("refuses a collection folder that is a symbolic link, and a folder that holds only skipped entries", async () => {
    const root = tempRoot();
    const elsewhere = mkdtempSync(join(tmpdir(), "ewsdav-elsewhere-"));
    writeFileSync(join(elsewhere, "a.vcf"), vcard("a", { FN: "A" }));
    symlinkSync(elsewhere, join(root, "linked"));
    const side = new VdirSide({ root, fsync: false });
    await expect(side.changes("linked", null)).rejects.toMatchObject({ code: "not-found", message: expect.stringMatching(/symbolic link/) });
    expect((await side.listCollections()).map((c) => c.id)).not.toContain("linked");
    mkdirSync(join(root, "only-links"));
    symlinkSync(join(elsewhere, "a.vcf"), join(root, "only-links", "a.vcf"));
    await expect(side.changes("only-links", null)).rejects.toMatchObject({ code: "rejected", message: expect.stringMatching(/a\.vcf is a symbolic link/) });
    unlinkSync(join(root, "only-links", "a.vcf"));
    expect(await side.changes("only-links", null)).toMatchObject({ changed: [], complete: true });
  });

  it("answers not-found for an id that is not a plain file name (NUL, separators, dot segments), never a path outside the folder", async () => {
    const root = tempRoot();
    const side = new VdirSide({ root, fsync: false });
    const { id: c } = await side.createCollection("contacts", "book");
    writeFileSync(join(root, "outside.vcf"), vcard("o", { FN: "O" }));
    const ids = ["a\u0000.vcf", "\u0000", "../outside.vcf", "..\\outside.vcf", "sub/x.vcf", ".hidden.vcf", "..", `${c}/../../outside.vcf`];
    const reads = await side.fetch(c, ids);
    expect(reads.map((r) => (r as SideError).code)).toEqual(ids.map(() => "not-found"));
    const updates = await side.update(c, ids.map((id) => ({ id, version: null, uid: "o", text: vcard("o", { FN: "X" }) })));
    const removals = await side.remove(c, ids.map((id) => ({ id, version: null })));
    expect([...updates, ...removals].map((r) => (r as SideError).code)).toEqual([...ids, ...ids].map(() => "not-found"));
    for (const collection of ["a\u0000b", "..", "x/y"]) await expect(side.changes(collection, null)).rejects.toMatchObject({ code: "not-found" });
    expect(readFileSync(join(root, "outside.vcf"), "utf8")).toContain("FN:O");
  });

  it("does not read a file over maxItemBytes: it alone is reported, the others sync", async () => {
    const root = tempRoot();
    const vdir = new VdirSide({ root, fsync: false, maxItemBytes: 4096 });
    const { id: c } = await vdir.createCollection("contacts", "book");
    writeFileSync(join(root, c, "small.vcf"), vcard("small", { FN: "Small" }));
    writeFileSync(join(root, c, "huge.vcf"), vcard("huge", { FN: "Huge", NOTE: "x".repeat(10_000) }));
    const remote = new MemorySide({ name: "remote" });
    remote.addCollection("contacts", "contacts");
    const engine = new SyncEngine({ store: new MemoryStateStore(), sides: [vdir, remote] });
    await engine.link({ id: "p", kind: "contacts", remote: { side: "remote", collection: "contacts" }, local: { side: "vdir", collection: c } });
    const report = (await engine.runOnce()).pairs[0]!;
    expect(report.remote.created.map((r) => r.uid)).toEqual(["small"]);
    expect(report.errors.map((e) => [e.id, e.code])).toEqual([["huge.vcf", "rejected"]]);
    expect(report.errors[0]!.message).toMatch(/larger than the item size limit/);
  });

  it("lists a large folder in slices: the event loop runs meanwhile (the other side's request goes out), and the listing is whole", async () => {
    const root = tempRoot();
    mkdirSync(join(root, "many"));
    writeFileSync(join(root, "many", ".ewsdav-kind"), "contacts\n");
    for (let i = 0; i < 1000; i++) writeFileSync(join(root, "many", `m${i}.vcf`), vcard(`m${i}`, { FN: `M ${i}` }));
    const side = new VdirSide({ root });
    const order: string[] = [];
    const listing = side.changes("many", null).then((feed) => (order.push("listing"), feed));
    setImmediate(() => order.push("immediate"));
    const feed = await listing;
    expect(order).toEqual(["immediate", "listing"]); // the event loop turned while the folder was listed
    expect(feed.complete).toBe(true);
    expect(feed.changed).toHaveLength(1000);
    expect(new Set(feed.changed.map((c) => c.id)).size).toBe(1000);
    const quiet = await side.changes("many", feed.cursor);
    expect(quiet).toMatchObject({ changed: [], complete: false, cursor: feed.cursor });
  });
});
