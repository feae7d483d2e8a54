/**
 * `ewsdav sync` through the real binary against the EWS simulator and a vdir folder: the output
 * modes (plain text off a terminal, --quiet, --verbose, --json, --json-lines), --pair and --dry-run.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import { runCli } from "./cli.test-support.js";
import { jsonLines, PASSWORD_ENV, writeSyncConfig } from "./sync.test-support.js";

const env = { [PASSWORD_ENV]: "secret" };

describe("ewsdav sync output", () => {
  let sim: EwsSimulator;
  beforeAll(async () => {
    sim = await startEwsSimulator({ seed: "small" });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it("text off a terminal: plain lines, no escape codes; --quiet prints nothing; --verbose adds a line per item on stderr", async () => {
    const { dir, configPath } = writeSyncConfig(sim.url, [
      { id: "cards", kind: "contacts", folder: "Contacts", collection: "cards" },
      { id: "todo", kind: "tasks", folder: "Tasks", collection: "todo" },
    ]);
    const first = await runCli(["sync", "--config", configPath, "--verbose"], { env });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^linked work:"Contacts" ↔ files:cards$/m);
    expect(first.stdout).toMatch(/^cards: local \+5 ~0 -0 .*\| errors 0$/m);
    expect(first.stdout).toMatch(/^todo: local \+\d+ /m);
    expect(first.stdout + first.stderr).not.toContain("\x1b");
    expect(first.stderr).toMatch(/^cards: create \S+ done$/m);
    expect(readdirSync(join(dir, "vdir", "cards")).filter((f) => f.endsWith(".vcf"))).toHaveLength(5);
    const quiet = await runCli(["sync", "--config", configPath, "--quiet"], { env });
    expect(quiet).toMatchObject({ code: 0, stdout: "", stderr: "" });
    const normal = await runCli(["sync", "--config", configPath], { env });
    expect(normal.code).toBe(0);
    expect(normal.stdout.trim().split("\n")).toEqual([expect.stringMatching(/^cards: local \+0 ~0 -0/), expect.stringMatching(/^todo: local \+0 ~0 -0/)]);
    expect(normal.stderr).toBe("");
    for (const run of [first, quiet, normal]) expect(run.stdout + run.stderr).not.toContain("secret");
  });

  it("--json prints one document: per pair the side names, counts, dropped, errors and the exit code", async () => {
    const { configPath } = writeSyncConfig(sim.url, [{ id: "cards", kind: "contacts", folder: "Contacts", collection: "cards" }]);
    const run = await runCli(["sync", "--config", configPath, "--json"], { env });
    expect(run.code, run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout) as { ok: boolean; exitCode: number; notices: string[]; pairs: Array<Record<string, unknown>> };
    expect(doc).toMatchObject({ ok: true, exitCode: 0, dryRun: false });
    expect(doc.notices).toEqual([expect.stringMatching(/^linked work:"Contacts"/)]);
    expect(doc.pairs).toHaveLength(1);
    expect(doc.pairs[0]).toMatchObject({
      id: "cards",
      kind: "contacts",
      sides: { local: "files", remote: "work" },
      exitCode: 0,
      local: { created: 5, updated: 0, deleted: 0 },
      remote: { created: 0 },
      errors: [],
      dropped: expect.any(Array),
      stopped: null,
    });
    expect(run.stdout).not.toContain("secret");
    const dry = await runCli(["sync", "--config", configPath, "--json", "--dry-run"], { env });
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, pairs: [{ id: "cards", dryRun: true, plan: [] }] });
  });

  it("--json-lines prints one event per line: pair-start, progress, pair-end with the summary, then done", async () => {
    const { configPath } = writeSyncConfig(sim.url, [{ id: "cards", kind: "contacts", folder: "Contacts", collection: "cards" }]);
    const run = await runCli(["sync", "--config", configPath, "--json-lines"], { env });
    expect(run.code, run.stderr).toBe(0);
    const events = jsonLines(run.stdout);
    const types = events.map((e) => e.type);
    expect(types[0]).toBe("notice");
    expect(types.at(-1)).toBe("done");
    expect(types.indexOf("pair-start")).toBeLessThan(types.indexOf("progress"));
    expect(types.lastIndexOf("progress")).toBeLessThan(types.indexOf("pair-end"));
    expect(events.find((e) => e.type === "pair-start")).toMatchObject({ pair: "cards", kind: "contacts", local: "files", remote: "work" });
    expect(events.filter((e) => e.type === "progress").every((e) => typeof e.done === "number" && typeof e.total === "number")).toBe(true);
    expect(events.find((e) => e.type === "pair-end")).toMatchObject({ pair: "cards", exitCode: 0, summary: { local: { created: 5 }, errors: 0 }, stopped: null });
    expect(events.at(-1)).toMatchObject({ type: "done", ok: true, exitCode: 0, pairs: 1 });
  });

  it("--pair syncs only the pairs named; an unknown id is a usage error naming it (exit 2)", async () => {
    const { dir, configPath } = writeSyncConfig(sim.url, [
      { id: "cards", kind: "contacts", folder: "Contacts", collection: "cards" },
      { id: "todo", kind: "tasks", folder: "Tasks", collection: "todo" },
    ]);
    const one = await runCli(["sync", "--config", configPath, "--pair", "todo", "--json"], { env });
    expect(one.code, one.stderr).toBe(0);
    expect((JSON.parse(one.stdout) as { pairs: Array<{ id: string }> }).pairs.map((p) => p.id)).toEqual(["todo"]);
    expect(readdirSync(join(dir, "vdir"))).toEqual(["todo"]);
    const both = await runCli(["sync", "--config", configPath, "-p", "todo", "-p", "cards", "--json"], { env });
    expect((JSON.parse(both.stdout) as { pairs: Array<{ id: string }> }).pairs.map((p) => p.id).sort()).toEqual(["cards", "todo"]);
    const unknown = await runCli(["sync", "--config", configPath, "--pair", "calendar", "--pair", "todo"], { env });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no pair "calendar"');
    expect(unknown.stderr).toContain("cards, todo");
    expect(unknown.stdout).toBe("");
  });
});
