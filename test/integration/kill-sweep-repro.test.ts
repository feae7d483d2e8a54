/**
 * Minimal reproductions of what the kill sweep found (test/integration/kill-sweep-*.test.ts), each
 * through the real host (`ewsdav sync`, the built binary, as a child process), the EWS simulator over HTTP
 * (through a kill proxy) and a vdir folder, with one or two contacts.
 *
 * The host is killed with SIGKILL once a write it sent has been done (a CreateItem or UpdateItem in
 * Exchange, or a card written into the folder) but before it recorded the outcome, so the write
 * happened and its journal entry is still open. The user then changes or deletes the contact on
 * the end the change came from, and the next run (no kill) must carry that.
 *
 * Before the journal recorded what a write writes, it did not: the journal said which item was
 * being written, not what, and the item record was only stored once the action finished, so on the
 * next run the copy the killed run wrote looked like a change made by someone else since the last
 * synced base (or, for a create, like an item nobody synced yet). An edit then conflicted with it
 * and the default policy (remote wins) kept the stale Exchange copy — the edit was lost; a deletion
 * met a "modification" (or a new item) on the other end, which won — the deleted contact came back
 * on both ends. Now the next run finds the write done (by its hash, its properties, or for a create
 * the UID) and adopts it as synced before planning (the resume rules on `JournalEntry`, in
 * packages/core/src/engine/state.ts); the memory-side enumeration of every case is in
 * packages/core/src/engine/engine.crash.test.ts.
 */
import { mkdirSync, mkdtempSync, readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { basicAuth, EwsClient } from "@ewsdav/ews-client";
import { SIMULATOR_EWS_PATH, startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import { startKillProxy, type KillProxy } from "../harness/kill-proxy.js";
import { watchVdirWrites } from "../harness/kill-sweep.js";
import { startSyncHost, writeSweepConfig } from "../harness/sync-host.js";
import { EwsSweepSide, sweepCard, VdirSweepSide, withTitle } from "../harness/sweep-sides.js";

const USER = "alice@example.com";
const PASSWORD = "secret";

describe("kill -9 between an Exchange write and its journal end, then a change on the vdir side", () => {
  let sim: EwsSimulator;
  let proxy: KillProxy;
  let client: EwsClient;
  beforeAll(async () => {
    sim = await startEwsSimulator({ record: false });
    proxy = await startKillProxy(new URL(sim.url).origin);
    client = new EwsClient({ url: sim.url, auth: basicAuth({ username: USER, password: PASSWORD }), mailbox: USER });
  });
  const watchers: Array<{ close(): void }> = [];
  afterAll(async () => {
    for (const w of watchers) w.close();
    await client?.close();
    await proxy?.close();
    await sim?.stop();
  });

  /** A fresh Exchange folder and vdir folder with one host config; `run` runs the host, killing it after the k-th Exchange write when asked. */
  async function world(name: string) {
    const folder = (await client.createFolder({ distinguishedId: "contacts" }, [{ displayName: name, folderClass: "IPF.Contact" }]))[0]!;
    if (folder instanceof Error) throw folder;
    const dir = mkdtempSync(join(tmpdir(), "ewsdav-kill-repro-"));
    const collection = join(dir, "vdir", "c");
    mkdirSync(collection, { recursive: true });
    writeFileSync(join(collection, ".ewsdav-kind"), "contacts\n");
    const configPath = join(dir, "sync.json");
    writeSweepConfig(configPath, {
      state: "state.db",
      remote: { type: "ews", url: `${proxy.url}${SIMULATOR_EWS_PATH}`, username: USER, passwordEnv: "EWSDAV_SWEEP_EWS_PASSWORD" },
      local: { type: "vdir", path: "vdir" },
      remoteFolder: name,
      localCollection: "c",
    });
    const ews = new EwsSweepSide(client, { id: folder.id });
    const vdir = new VdirSweepSide(collection);
    const files = watchVdirWrites(collection);
    const run = async (killAfterExchangeWrite?: number, killAfterFileWrite?: number) => {
      proxy.reset();
      files.reset();
      const host = startSyncHost(configPath, { EWSDAV_SWEEP_EWS_PASSWORD: PASSWORD });
      if (killAfterExchangeWrite) proxy.arm({ write: killAfterExchangeWrite, when: "after", kill: () => host.kill() });
      if (killAfterFileWrite) files.arm({ write: killAfterFileWrite, when: "after", kill: () => host.kill() });
      const exit = await host.exited;
      if (killAfterExchangeWrite || killAfterFileWrite) expect(exit.killed, exit.output).toBe(true);
      else expect(exit.code, exit.output).toBe(0);
    };
    watchers.push(files);
    const file = join(collection, "K0.vcf");
    // As an editor saves: a new file renamed over the old one.
    const setTitle = (title: string) => {
      writeFileSync(`${file}.tmp`, withTitle(readFileSync(file, "utf8"), title));
      renameSync(`${file}.tmp`, file);
    };
    return { ews, vdir, run, file, setTitle, collection };
  }

  it("an edit made after an interrupted UpdateItem is carried, not overwritten by the stale Exchange copy", async () => {
    const { ews, vdir, run, setTitle, file } = await world("Repro update");
    writeFileSync(file, sweepCard("K0", "synced"));
    await run();
    expect((await ews.list()).map((i) => i.title)).toEqual(["synced"]);
    setTitle("first edit");
    await run(1); // UpdateItem done in Exchange, host killed before it heard back
    expect((await ews.list()).map((i) => i.title)).toEqual(["first edit"]);
    setTitle("second edit");
    await run();
    expect({ vdir: (await vdir.list()).map((i) => i.title), ews: (await ews.list()).map((i) => i.title) }).toEqual({ vdir: ["second edit"], ews: ["second edit"] });
  });

  it("a deletion made after an interrupted UpdateItem stays deleted", async () => {
    const { ews, vdir, run, setTitle, file } = await world("Repro delete");
    writeFileSync(file, sweepCard("K0", "synced"));
    writeFileSync(file.replace("K0", "K1"), sweepCard("K1", "bystander")); // the folder is not emptied (that stops the cycle)
    await run();
    setTitle("first edit");
    await run(1);
    unlinkSync(file);
    await run();
    const keys = async (side: { list(): Promise<Array<{ key: string }>> }) => (await side.list()).map((i) => i.key).sort();
    expect({ vdir: await keys(vdir), ews: await keys(ews) }).toEqual({ vdir: ["K1"], ews: ["K1"] });
  });

  it("an edit made after an interrupted CreateItem is carried", async () => {
    const { ews, vdir, run, setTitle, file } = await world("Repro create");
    writeFileSync(file, sweepCard("K0", "new"));
    await run(1); // CreateItem done in Exchange, host killed before it heard back
    expect((await ews.list()).map((i) => i.title)).toEqual(["new"]);
    setTitle("edited");
    await run();
    expect({ vdir: (await vdir.list()).map((i) => i.title), ews: (await ews.list()).map((i) => i.title) }).toEqual({ vdir: ["edited"], ews: ["edited"] });
  });

  it("a deletion in Exchange after an interrupted file write (the other direction) stays deleted", async () => {
    const { ews, vdir, run } = await world("Repro other way");
    await ews.create([
      { key: "K0", title: "from Exchange" },
      { key: "K1", title: "bystander" },
    ]);
    await run(undefined, 1); // the first card is written into the folder, host killed before it recorded it
    expect((await vdir.list()).length).toBeGreaterThan(0);
    const [first] = (await vdir.list()).map((i) => i.key);
    await ews.remove((await ews.list()).filter((i) => i.key === first));
    await run();
    const keys = async (side: { list(): Promise<Array<{ key: string }>> }) => (await side.list()).map((i) => i.key).sort();
    const rest = ["K0", "K1"].filter((k) => k !== first);
    expect({ vdir: await keys(vdir), ews: await keys(ews) }).toEqual({ vdir: rest, ews: rest });
  });
});
