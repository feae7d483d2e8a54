import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { EWSDAV_BIN } from "./cli.test-support.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { startEwsSimulator, startSubscriptionFront, type EwsSimulator } from "@ewsdav/ews-simulator";
import { ConfigError, loadConfig } from "../src/config.js";
import { droppedLines, runSync, startWatch } from "../src/host.js";
import { emptyPairReport } from "@ewsdav/core";
import { until } from "../../../test/harness/wait.js";

type Pair = { id?: string; kind: "contacts" | "events" | "tasks"; folder: string; collection: string };

/** Writes a config in a new folder: an EWS account at `url` (password from the environment), a vdir folder, the pairs. */
function writeConfig(prefix: string, url: string, pairs: Pair[], extra: Record<string, unknown> = {}): { dir: string; configPath: string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const configPath = join(dir, "sync.json");
  process.env.EWSDAV_TEST_PASSWORD = "secret";
  writeFileSync(
    configPath,
    JSON.stringify({
      state: "state.db",
      ...extra,
      accounts: {
        work: { type: "ews", url, mailbox: "alice@example.com", auth: { type: "basic", username: "alice@example.com", passwordEnv: "EWSDAV_TEST_PASSWORD" } },
        files: { type: "vdir", path: "vdir" },
      },
      pairs: pairs.map(({ id, kind, folder, collection }) => ({ ...(id ? { id } : {}), kind, remote: { account: "work", folder }, local: { account: "files", collection, create: true } })),
    }),
  );
  return { dir, configPath };
}

describe("ewsdav sync and watch", () => {
  let sim: EwsSimulator;
  beforeAll(async () => {
    sim = await startEwsSimulator({ seed: "small" });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it("links the configured pairs once, plans in a dry run, syncs, and is quiet the second time", async () => {
    const { dir, configPath } = writeConfig("ewsdav-sync-", sim.url, [
      { kind: "contacts", folder: "Contacts", collection: "contacts" },
      { kind: "tasks", folder: "Tasks", collection: "tasks" },
    ]);
    const lines: string[] = [];
    const config = loadConfig(configPath);
    const unlinked = await runSync(config, { dryRun: true, print: (l) => lines.push(l) });
    expect(unlinked.pairs).toEqual([]);
    expect(lines.filter((l) => l.startsWith("would link"))).toHaveLength(2);
    expect(existsSync(join(dir, "vdir", "contacts"))).toBe(false);
    const real = await runSync(config, { print: () => undefined });
    expect(real.ok).toBe(true);
    expect(readdirSync(join(dir, "vdir", "contacts")).filter((f) => f.endsWith(".vcf")).length).toBe(5);
    await runSync(config, { print: () => undefined });
    const card = readdirSync(join(dir, "vdir", "contacts")).find((f) => f.endsWith(".vcf"))!;
    const path = join(dir, "vdir", "contacts", card);
    writeFileSync(path, readFileSync(path, "utf8").replace("END:VCARD", "NOTE:changed for the dry run\r\nEND:VCARD"));
    lines.length = 0;
    const dry = await runSync(config, { dryRun: true, print: (l) => lines.push(l) });
    expect(dry.pairs.every((p) => p.dryRun)).toBe(true);
    expect(dry.pairs.flatMap((p) => p.plan!.map((a) => a.kind))).toEqual(["update"]);
    expect(lines.some((l) => l.startsWith("  would update") && l.includes("update remote"))).toBe(true);
    const applied = await runSync(config, { print: () => undefined });
    expect(applied.pairs.flatMap((p) => p.remote.updated)).toHaveLength(1);
    const quiet = await runSync(config, { print: () => undefined });
    expect(quiet.pairs.map((p) => p.local.created.length + p.remote.tagged.length + p.local.updated.length)).toEqual([0, 0]);
    expect(existsSync(join(dir, "state.db"))).toBe(true);
    expect(lines.join("\n")).not.toContain("secret");
  });

  it("prints, per item, what a side dropped and why", async () => {
    const { dir, configPath } = writeConfig("ewsdav-sync-dropped-", sim.url, [{ id: "cards", kind: "contacts", folder: "Contacts", collection: "cards" }]);
    const config = loadConfig(configPath);
    await runSync(config, { print: () => undefined });
    const card = ["BEGIN:VCARD", "VERSION:4.0", "UID:four-mails", "FN:Four Mails", "EMAIL;TYPE=work:a@example.org", "EMAIL;TYPE=home:b@example.org", "EMAIL;TYPE=other:c@example.org", "EMAIL:d@example.org", "X-EXAMPLE-FLAG:on", "END:VCARD", ""];
    writeFileSync(join(dir, "vdir", "cards", "four-mails.vcf"), card.join("\r\n"));
    const lines: string[] = [];
    const report = await runSync(config, { print: (l) => lines.push(l) });
    expect(report.ok).toBe(true);
    const dropped = lines.filter((l) => l.trimStart().startsWith("dropped:"));
    expect(dropped, lines.join("\n")).toHaveLength(1);
    expect(dropped[0]).toContain("work could not store part of four-mails");
    expect(dropped[0]).toMatch(/EMAIL — an Exchange contact holds 3 e-mail addresses/);
    expect(dropped[0]).toContain("X-EXAMPLE-FLAG — ");
  });

  it("bounds the dropped lines: a line per item and side, at most N lines and M properties each, then how many more", () => {
    const report = emptyPairReport("p");
    for (let i = 0; i < 14; i++) for (const property of ["EMAIL", "ADR", "URL"]) report.remote.dropped.push({ uid: `u${i}`, id: `id${i}`, property, reason: "no room", on: "write" });
    report.local.dropped.push({ uid: "x", id: "x.vcf", property: "Mileage", reason: "no vCard property", on: "read" });
    const lines = droppedLines(report, { local: "files", remote: "work" }, { maxLines: 5, maxProperties: 2 });
    expect(lines).toHaveLength(6);
    expect(lines[0]).toBe("dropped: work could not store part of u0 [id0]: EMAIL — no room; ADR — no room; and 1 more");
    expect(lines[5]).toBe("dropped: and 10 more items");
    expect(droppedLines(report, { local: "files", remote: "work" }, { maxLines: 20 }).at(-1)).toBe("dropped: files: x [x.vcf] holds what its vCard/iCalendar form cannot say: Mileage — no vCard property");
  });

  it("rejects a bad config with a message naming the field, and exits with code 2", () => {
    const dir = mkdtempSync(join(tmpdir(), "ewsdav-sync-bad-"));
    const bad = join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify({ state: "s.db", accounts: { w: { type: "ews", url: "not a url", auth: { type: "basic", username: "u" } } }, pairs: [] }));
    expect(() => loadConfig(bad)).toThrow(ConfigError);
    expect(() => loadConfig(bad)).toThrow(/accounts\.w/);
    const run = spawnSync(process.execPath, [EWSDAV_BIN, "sync", "--config", bad], { encoding: "utf8" });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("bad config");
  });

  it("--watch keeps the pairs in sync, printing a line per change and status lines, until stopped", async () => {
    const front = await startSubscriptionFront({ simulator: sim, users: [{ smtpAddress: "alice@example.com", password: "secret" }], heartbeatIntervalMs: 500 });
    const { dir, configPath } = writeConfig("ewsdav-watch-", front.url, [{ id: "contacts", kind: "contacts", folder: "Contacts", collection: "contacts" }], {
      watch: { pollIntervalSeconds: 0.1, statusIntervalSeconds: 0.5 },
    });
    const lines: string[] = [];
    const running = await startWatch(loadConfig(configPath), { print: (l) => lines.push(l) });
    try {
      const folder = join(dir, "vdir", "contacts");
      const cards = () => (existsSync(folder) ? readdirSync(folder).filter((f) => f.endsWith(".vcf")) : []);
      await until("caught up", () => lines.some((l) => l.includes("contacts: caught up")));
      await until("push connected", () => lines.some((l) => l.includes("work: connected")));
      const before = cards().length;
      const box = sim.mailbox("alice@example.com");
      box.createItem("contacts", "<Contact><GivenName>Watched</GivenName><Surname>Live</Surname></Contact>");
      await until("the Exchange change arrives in the folder", () => cards().length === before + 1);
      await until("its line", () => lines.some((l) => / contacts → files: created /.test(l)));
      writeFileSync(join(folder, "from-files.vcf"), "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:from-files\r\nFN:From Files\r\nN:Files;From;;;\r\nEND:VCARD\r\n");
      await until("the folder change arrives in Exchange", () => box.items("contacts").some((i) => i.get("GivenName") === "From"));
      await until("its line", () => lines.some((l) => l.includes("contacts → work: created from-files")));
      await until("a status line", () => lines.some((l) => l.includes("[status] contacts: in sync")));
    } finally {
      await running.stop();
      await front.stop();
    }
    const stats = await running.done;
    expect(stats.cycles).toBeGreaterThan(1);
    expect(lines.join("\n")).not.toContain("secret");
  });

  it("--watch stops cleanly on Ctrl-C", async () => {
    const front = await startSubscriptionFront({ simulator: sim, users: [{ smtpAddress: "alice@example.com", password: "secret" }] });
    const { configPath } = writeConfig("ewsdav-watch-cli-", front.url, [{ kind: "tasks", folder: "Tasks", collection: "tasks" }]);
    const child = spawn(process.execPath, [EWSDAV_BIN, "watch", "--config", configPath], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    try {
      await until("caught up", () => out.includes("caught up"), 60_000);
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      child.kill("SIGINT");
      expect(await exited).toBe(0);
      expect(out).toContain("stopping");
      expect(out).toMatch(/stopped after \d+ cycles/);
      expect(front.subscriptionCount).toBe(0);
    } finally {
      child.kill("SIGKILL");
      await front.stop();
    }
  });
});
