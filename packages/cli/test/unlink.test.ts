/**
 * `ewsdav unlink PAIR` through the real binary against the EWS simulator and a vdir folder: it asks
 * for confirmation (refused without a terminal unless --yes), refuses while another process holds
 * the pair's lease (exit 6, nothing forgotten), then forgets the pair and its runs without touching
 * an item, and names the config entry that would link it again.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import { SqliteStateStore } from "@ewsdav/core/sqlite";
import { runCli } from "./cli.test-support.js";
import { PASSWORD_ENV, SECRET, vdirFiles, writeStatusConfig } from "./status.test-support.js";

const env = { [PASSWORD_ENV]: SECRET };

describe("ewsdav unlink", () => {
  let sim: EwsSimulator;
  beforeAll(async () => {
    sim = await startEwsSimulator({ seed: "small", users: [{ smtpAddress: "alice@example.com", password: SECRET }] });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it("asks first, refuses while the pair is being synced, then forgets the pair and its runs and touches no item", async () => {
    const { dir, configPath, statePath } = writeStatusConfig("ewsdav-unlink-", sim.url, [
      { kind: "tasks", folder: "Tasks", collection: "todo" },
      { kind: "contacts", folder: "Contacts", collection: "cards" },
    ]);
    expect((await runCli(["sync", "--config", configPath], { env })).code).toBe(0);
    const box = sim.mailbox("alice@example.com");
    const before = { files: vdirFiles(dir, "cards"), exchange: box.items("contacts").length };
    expect(before.files).toHaveLength(5);
    const probe = new SqliteStateStore(statePath);
    const pairs = await probe.listPairs();
    const cards = pairs.find((p) => p.kind === "contacts")!;
    const tasks = pairs.find((p) => p.kind === "tasks")!;

    // Not a terminal, no --yes: refused, nothing forgotten.
    const unasked = await runCli(["unlink", cards.id, "--config", configPath]);
    expect(unasked.code).toBe(2);
    expect(unasked.stderr).toBe("error: ewsdav unlink forgets state and asks for confirmation first: pass --yes to run it without a terminal\n");
    expect(await probe.getPair(cards.id)).not.toBeNull();

    // Another process syncs the pair: refused with exit 6, nothing forgotten.
    const held = await probe.acquireLease({ pairId: cards.id, owner: "other-host/77/test", ttlMs: 60_000 });
    expect(held.acquired).toBe(true);
    const busy = await runCli(["unlink", cards.id, "--yes", "--config", configPath]);
    expect(busy.code, busy.stderr).toBe(6);
    expect(busy.stderr).toContain("another process (other-host/77/test) is syncing this pair");
    expect(await probe.getPair(cards.id)).not.toBeNull();
    if (held.acquired) await probe.releaseLease(held.lease);

    const done = await runCli(["unlink", cards.id, "--yes", "--config", configPath]);
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toContain(`unlinked ${cards.id} (work ${cards.remote.collection} ↔ files cards); no item was touched`);
    expect(done.stdout).toContain("the config still lists it as pairs[1]: remove that entry, or the next `ewsdav sync` links it again");
    expect(await probe.getPair(cards.id)).toBeNull();
    expect(await probe.listRuns(cards.id)).toEqual([]);
    expect(await probe.listItems(cards.id)).toEqual([]);
    expect(await probe.getPair(tasks.id)).not.toBeNull();
    expect(await probe.listRuns(tasks.id)).toHaveLength(1);
    expect({ files: vdirFiles(dir, "cards"), exchange: box.items("contacts").length }).toEqual(before);
    await probe.close();

    const status = JSON.parse((await runCli(["status", "--config", configPath, "--json"])).stdout) as { pairs: Array<{ id: string }> };
    expect(status.pairs.map((p) => p.id)).toEqual([tasks.id]);
    const again = await runCli(["unlink", cards.id, "--yes", "--config", configPath]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`no linked pair "${cards.id}"; the state file knows ${tasks.id}`);
  });

  it("--json prints what was unlinked and the config entry; the next sync links it again and pairs the items, duplicating none", async () => {
    const { dir, configPath } = writeStatusConfig("ewsdav-unlink-json-", sim.url, [{ id: "cards", kind: "contacts", folder: "Contacts", collection: "cards" }]);
    expect((await runCli(["sync", "--config", configPath], { env })).code).toBe(0);
    const box = sim.mailbox("alice@example.com");
    const exchange = box.items("contacts").length;
    const run = await runCli(["unlink", "cards", "--yes", "--json", "--config", configPath]);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ unlinked: "cards", kind: "contacts", local: { side: "files", collection: "cards" }, configEntry: 0, itemsTouched: 0 });
    const relinked = await runCli(["sync", "--config", configPath], { env });
    expect(relinked.code, relinked.stderr).toBe(0);
    expect(vdirFiles(dir, "cards")).toHaveLength(5);
    expect(box.items("contacts")).toHaveLength(exchange);
    const status = JSON.parse((await runCli(["status", "--config", configPath, "--json"])).stdout) as { pairs: Array<{ runs: Array<{ paired: number; counts: { local: { created: number }; remote: { created: number } } }> }> };
    expect(status.pairs[0]!.runs).toHaveLength(1);
    expect(status.pairs[0]!.runs[0]).toMatchObject({ paired: 5, counts: { local: { created: 0 }, remote: { created: 0 } } });
  });
});
