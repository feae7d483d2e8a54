import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-client/testing";
import { ConfigError, loadConfig } from "./config.js";
import { runSync } from "./host.js";

describe("npm run sync", () => {
  let sim: EwsSimulator;
  beforeAll(async () => {
    sim = await startEwsSimulator({ seed: "small" });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it("links the configured pairs once, plans in a dry run, syncs, and is quiet the second time", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ewsdav-sync-"));
    const configPath = join(dir, "sync.json");
    process.env.EWSDAV_TEST_PASSWORD = "secret";
    writeFileSync(
      configPath,
      JSON.stringify({
        state: "state.db",
        accounts: {
          work: { type: "ews", url: sim.url, mailbox: "alice@example.com", auth: { type: "basic", username: "alice@example.com", passwordEnv: "EWSDAV_TEST_PASSWORD" } },
          files: { type: "vdir", path: "vdir" },
        },
        pairs: [
          { kind: "contacts", remote: { account: "work", folder: "Contacts" }, local: { account: "files", collection: "contacts", create: true } },
          { kind: "tasks", remote: { account: "work", folder: "Tasks" }, local: { account: "files", collection: "tasks", create: true } },
        ],
      }),
    );
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

  it("rejects a bad config with a message naming the field, and exits with code 2", () => {
    const dir = mkdtempSync(join(tmpdir(), "ewsdav-sync-bad-"));
    const bad = join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify({ state: "s.db", accounts: { w: { type: "ews", url: "not a url", auth: { type: "basic", username: "u" } } }, pairs: [] }));
    expect(() => loadConfig(bad)).toThrow(ConfigError);
    expect(() => loadConfig(bad)).toThrow(/accounts\.w/);
    const main = fileURLToPath(new URL("./main.ts", import.meta.url));
    const run = spawnSync(process.execPath, ["--import", "tsx", main, "--config", bad], { encoding: "utf8" });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("bad config");
  });
});
