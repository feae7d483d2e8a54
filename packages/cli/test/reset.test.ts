/**
 * `ewsdav reset-pair PAIR` through the real binary against the EWS simulator and a vdir folder:
 * after a two-way sync, the pair's state is forgotten (under its lease, after confirmation), and
 * the next sync pairs every item again by UID — nothing duplicated on either side, nothing lost,
 * the run reporting items paired, not created.
 */
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import type { RunRecord } from "@ewsdav/core";
import { SqliteStateStore } from "@ewsdav/core/sqlite";
import { EWSDAV_BIN, runCli } from "./cli.test-support.js";
import { PASSWORD_ENV, SECRET, vdirFiles, writeStatusConfig } from "./status.test-support.js";

const env = { [PASSWORD_ENV]: SECRET };

/**
 * Runs `ewsdav <args>` on a pseudo-terminal (util-linux `script`), answers its question once it is
 * asked, and resolves with the exit code and what the terminal showed.
 */
function onTerminal(args: readonly string[], answer: string): Promise<{ code: number | null; screen: string }> {
  return new Promise((resolve, reject) => {
    const command = [process.execPath, EWSDAV_BIN, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
    const child = spawn("script", ["-qfec", command, "/dev/null"], { stdio: ["pipe", "pipe", "pipe"] });
    let screen = "";
    let answered = false;
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.stdout.on("data", (d: Buffer) => {
      screen += d.toString();
      if (!answered && screen.includes("[y/N]")) {
        answered = true;
        child.stdin.write(`${answer}\n`);
      }
    });
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      child.stdin.destroy();
      resolve({ code, screen });
    });
  });
}

describe("ewsdav reset-pair", () => {
  let sim: EwsSimulator;
  beforeAll(async () => {
    sim = await startEwsSimulator({ seed: "small", users: [{ smtpAddress: "alice@example.com", password: SECRET }] });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it("sync, reset, sync again: every item paired by UID, none created, none lost, on either side", async () => {
    const { dir, configPath, statePath } = writeStatusConfig("ewsdav-reset-", sim.url, [{ id: "cards", kind: "contacts", folder: "Contacts", collection: "cards" }]);
    expect((await runCli(["sync", "--config", configPath], { env })).code).toBe(0);
    // A card made on the files side too, so that both directions were synced once.
    writeFileSync(join(dir, "vdir", "cards", "from-files.vcf"), "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:from-files\r\nFN:From Files\r\nN:Files;From;;;\r\nEND:VCARD\r\n");
    expect((await runCli(["sync", "--config", configPath], { env })).code).toBe(0);
    const box = sim.mailbox("alice@example.com");
    const files = vdirFiles(dir, "cards");
    const contents = files.map((f) => readFileSync(join(dir, "vdir", "cards", f), "utf8"));
    const exchange = box.items("contacts").map((i) => i.get("GivenName")).sort();
    expect(files).toHaveLength(6);
    expect(exchange.filter((name) => name === "From")).toHaveLength(1);

    const probe = new SqliteStateStore(statePath);
    try {
      expect(await probe.listItems("cards")).toHaveLength(6);
      const held = await probe.acquireLease({ pairId: "cards", owner: "other-host/88/test", ttlMs: 60_000 });
      const busy = await runCli(["reset-pair", "cards", "--yes", "--config", configPath]);
      expect(busy.code, busy.stderr).toBe(6);
      expect(await probe.listItems("cards")).toHaveLength(6);
      if (held.acquired) await probe.releaseLease(held.lease);
      const unasked = await runCli(["reset-pair", "cards", "--config", configPath]);
      expect(unasked.code).toBe(2);
      expect(await probe.listItems("cards")).toHaveLength(6);

      const reset = await runCli(["reset-pair", "cards", "--yes", "--config", configPath]);
      expect(reset.code, reset.stderr).toBe(0);
      expect(reset.stdout).toBe(
        "reset cards: forgot 6 item records, and both change cursors; the link stays\nthe next `ewsdav sync` reads both sides in full and pairs the items by UID\n",
      );
      expect(await probe.listItems("cards")).toEqual([]);
      expect(await probe.getPair("cards")).toMatchObject({ cursors: { local: null, remote: null } });

      const again = await runCli(["sync", "--config", configPath], { env });
      expect(again.code, again.stderr).toBe(0);
      expect(vdirFiles(dir, "cards")).toEqual(files);
      expect(vdirFiles(dir, "cards").map((f) => readFileSync(join(dir, "vdir", "cards", f), "utf8"))).toEqual(contents);
      expect(box.items("contacts").map((i) => i.get("GivenName")).sort()).toEqual(exchange);
      expect(await probe.listItems("cards")).toHaveLength(6);
      const [last] = await probe.listRuns("cards", 1);
      expect(last).toMatchObject<Partial<RunRecord>>({
        outcome: "ok",
        paired: 6,
        counts: { local: { created: 0, updated: 0, deleted: 0, tagged: 0 }, remote: { created: 0, updated: 0, deleted: 0, tagged: 0 } },
      });
      // A third run finds nothing to do.
      expect((await runCli(["sync", "--config", configPath], { env })).code).toBe(0);
      expect((await probe.listRuns("cards", 1))[0]).toMatchObject({ paired: 0, counts: { local: { created: 0, updated: 0 }, remote: { created: 0, updated: 0 } } });
      // The runs before the reset are kept.
      expect(await probe.listRuns("cards")).toHaveLength(4);
    } finally {
      await probe.close();
    }
  });

  it("on a terminal it asks first: no keeps the state, yes forgets it", async () => {
    const { configPath, statePath } = writeStatusConfig("ewsdav-reset-tty-", sim.url, [{ id: "cards", kind: "contacts", folder: "Contacts", collection: "cards" }]);
    expect((await runCli(["sync", "--config", configPath], { env })).code).toBe(0);
    const no = await onTerminal(["reset-pair", "cards", "--config", configPath], "n");
    expect(no.code, no.screen).toBe(0);
    expect(no.screen).toContain("Forget what the state knows of the items of cards (work ↔ files)?");
    expect(no.screen).toContain("nothing changed");
    const probe = new SqliteStateStore(statePath);
    try {
      // The mailbox is shared with the other tests of this file: count what this pair holds.
      const items = (await probe.listItems("cards")).length;
      expect(items).toBeGreaterThanOrEqual(5);
      const yes = await onTerminal(["reset-pair", "cards", "--config", configPath], "y");
      expect(yes.code, yes.screen).toBe(0);
      expect(yes.screen).toContain(`reset cards: forgot ${items} item records`);
      expect(await probe.listItems("cards")).toEqual([]);
    } finally {
      await probe.close();
    }
  });

  it("--json says what was forgotten; an interrupted run's journal goes too", async () => {
    const { configPath, statePath } = writeStatusConfig("ewsdav-reset-json-", sim.url, [{ id: "todo", kind: "tasks", folder: "Tasks", collection: "todo" }]);
    expect((await runCli(["sync", "--config", configPath], { env })).code).toBe(0);
    const probe = new SqliteStateStore(statePath);
    const items = (await probe.listItems("todo")).length;
    await probe.write([{ op: "journal-begin", entry: { pairId: "todo", uid: "half", slot: "local", op: "create", itemId: null, startedAt: new Date().toISOString() } }]);
    await probe.close();
    const run = await runCli(["reset-pair", "todo", "-y", "--json", "--config", configPath]);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ reset: "todo", forgotten: { items, journal: 1 } });
  });
});
