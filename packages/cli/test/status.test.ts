/**
 * `ewsdav status` through the real binary against the EWS simulator and a vdir folder: the runs of
 * a good sync and of a failing one (an unreadable change feed), in text and as one JSON document;
 * a pair's lease held by another process and an interrupted run's journal; a missing state file;
 * bad options. No secret in any output.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import type { RunRecord } from "@ewsdav/core";
import { SqliteStateStore } from "@ewsdav/core/sqlite";
import { runCli, type CliRun } from "./cli.test-support.js";
import { PASSWORD_ENV, SECRET, writeStatusConfig } from "./status.test-support.js";

const env = { [PASSWORD_ENV]: SECRET };
const noSecret = (...runs: CliRun[]) => {
  for (const run of runs) expect(run.stdout + run.stderr).not.toContain(SECRET);
};

interface StatusDocument {
  stateFile: string;
  pairs: Array<{
    id: string;
    kind: string;
    remote: { side: string; collection: string };
    local: { side: string; collection: string };
    configEntry: number | null;
    lease: { owner: string } | null;
    journal: { pending: number; entries: Array<{ uid: string; slot: string; op: string }> };
    runs: RunRecord[];
  }>;
}

describe("ewsdav status", () => {
  let sim: EwsSimulator;
  beforeAll(async () => {
    sim = await startEwsSimulator({ seed: "small", users: [{ smtpAddress: "alice@example.com", password: SECRET }] });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it("shows a good run and a failing one (the feed could not be read), newest first, in text and as JSON", async () => {
    const { configPath, statePath } = writeStatusConfig("ewsdav-status-", sim.url, [{ id: "cards", kind: "contacts", folder: "Contacts", collection: "cards" }]);
    const good = await runCli(["sync", "--config", configPath], { env });
    expect(good.code, good.stderr).toBe(0);
    // Exchange answers every change-feed request with 503 (the client's retries included): the pair stops.
    sim.faults.inject({ kind: "http503", retryAfterSeconds: 0, operation: "SyncFolderItems", times: 100 });
    const failing = await runCli(["sync", "--config", configPath], { env });
    sim.faults.clear();
    expect(failing.code, failing.stderr).not.toBe(0);

    const text = await runCli(["status", "--config", configPath]);
    expect(text.code, text.stderr).toBe(0);
    const lines = text.stdout.split("\n");
    expect(lines[0]).toMatch(/^cards \(contacts\): work \S+ ↔ files cards {2}\[config pairs\[0\]\]$/);
    expect(text.stdout).toContain("last 2 runs, newest first:");
    const runLines = lines.filter((l) => /^ {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ/.test(l));
    expect(runLines).toHaveLength(2);
    expect(runLines[0]).toMatch(/ once +stopped \(feed-failed[^)]*\)$/);
    expect(lines[lines.indexOf(runLines[0]!) + 1]).toBe("      pair cards: remote side work: SyncFolderItems: HTTP 503");
    expect(runLines[1]).toMatch(/ once +ok {2}files \+5 ~0 -0 \| work \+0 ~0 -0 tag 5 \| paired 0 merged 0 conflicts 0$/);
    expect(text.stdout).not.toContain("syncing now");
    expect(text.stdout).not.toContain("interrupted");

    const json = await runCli(["status", "--config", configPath, "--json"]);
    expect(json.code, json.stderr).toBe(0);
    const doc = JSON.parse(json.stdout) as StatusDocument;
    expect(doc.stateFile).toBe(statePath);
    expect(doc.pairs).toHaveLength(1);
    const [pair] = doc.pairs;
    expect(pair).toMatchObject({ id: "cards", kind: "contacts", remote: { side: "work" }, local: { side: "files", collection: "cards" }, configEntry: 0, lease: null, journal: { pending: 0 } });
    expect(pair!.runs.map((r) => r.outcome)).toEqual(["stopped", "ok"]);
    expect(pair!.runs[0]).toMatchObject({ trigger: "once", dryRun: false, stop: { code: "feed-failed" }, errorCount: 0 });
    expect(pair!.runs[0]!.codes[0]).toBe("feed-failed");
    expect(pair!.runs[1]).toMatchObject({ outcome: "ok", stop: null, counts: { local: { created: 5, updated: 0, deleted: 0 }, remote: { created: 0, tagged: 5 } } });
    expect(pair!.runs[0]!.startedAt > pair!.runs[1]!.startedAt).toBe(true);

    const lines2 = (await runCli(["status", "--config", configPath, "--json-lines"])).stdout.trim().split("\n").map((l) => JSON.parse(l) as { type: string; id: string; runs: RunRecord[] });
    expect(lines2.map((e) => [e.type, e.id, e.runs.length])).toEqual([["pair-status", "cards", 2]]);
    const one = JSON.parse((await runCli(["status", "--config", configPath, "--json", "--runs", "1", "--pair", "cards"])).stdout) as StatusDocument;
    expect(one.pairs[0]!.runs.map((r) => r.outcome)).toEqual(["stopped"]);
    noSecret(good, failing, text, json);
  });

  it("records a dry run as such, with what it would have written", async () => {
    const { dir, configPath } = writeStatusConfig("ewsdav-status-items-", sim.url, [{ id: "tasks", kind: "tasks", folder: "Tasks", collection: "todo" }]);
    expect((await runCli(["sync", "--config", configPath], { env })).code).toBe(0);
    const { writeFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    writeFileSync(join(dir, "vdir", "todo", "new.ics"), ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//t//EN", "BEGIN:VTODO", "UID:dry-task", "DTSTAMP:20260101T000000Z", "SUMMARY:Dry", "END:VTODO", "END:VCALENDAR", ""].join("\r\n"));
    const dry = await runCli(["sync", "--config", configPath, "--dry-run"], { env });
    expect(dry.code, dry.stderr).toBe(0);
    const doc = JSON.parse((await runCli(["status", "--config", configPath, "--json"])).stdout) as StatusDocument;
    expect(doc.pairs[0]!.runs[0]).toMatchObject({ dryRun: true, outcome: "ok", counts: { remote: { created: 1 } } });
    const text = await runCli(["status", "--config", configPath, "--runs", "1"]);
    expect(text.stdout).toMatch(/ once +dry run, ok {2}files \+0 ~0 -0 \| work \+1 ~0 -0/);
  });

  it("shows who is syncing a pair now (its lease) and the journal an interrupted run left", async () => {
    const { configPath, statePath } = writeStatusConfig("ewsdav-status-lease-", sim.url, [{ id: "cards", kind: "contacts", folder: "Contacts", collection: "cards" }]);
    expect((await runCli(["sync", "--config", configPath], { env })).code).toBe(0);
    const other = new SqliteStateStore(statePath);
    try {
      const held = await other.acquireLease({ pairId: "cards", owner: "other-host/4242/abcd", ttlMs: 60_000 });
      expect(held.acquired).toBe(true);
      await other.write([{ op: "journal-begin", entry: { pairId: "cards", uid: "half-done", slot: "remote", op: "create", itemId: null, startedAt: new Date().toISOString() } }]);
      const text = await runCli(["status", "--config", configPath]);
      expect(text.code, text.stderr).toBe(0);
      expect(text.stdout).toMatch(/^ {2}syncing now: other-host\/4242\/abcd holds its lease \(until .*\)/m);
      expect(text.stdout).toMatch(/^ {2}interrupted: 1 side effect of an unfinished run are journaled; the next run checks and finishes them$/m);
      const doc = JSON.parse((await runCli(["status", "--config", configPath, "--json"])).stdout) as StatusDocument;
      expect(doc.pairs[0]).toMatchObject({ lease: { owner: "other-host/4242/abcd" }, journal: { pending: 1, entries: [{ uid: "half-done", slot: "remote", op: "create" }] } });
      // A sync now finds the pair busy; status records that run as stopped (pair-busy).
      const busy = await runCli(["sync", "--config", configPath], { env });
      expect(busy.code).toBe(6);
      const after = JSON.parse((await runCli(["status", "--config", configPath, "--json", "--runs", "1"])).stdout) as StatusDocument;
      expect(after.pairs[0]!.runs[0]).toMatchObject({ outcome: "stopped", stop: { code: "pair-busy" } });
      if (held.acquired) await other.releaseLease(held.lease);
    } finally {
      await other.close();
    }
  });

  it("exits 2 with a clear message before anything was synced, for an unknown pair and for a bad --runs", async () => {
    const { configPath, statePath } = writeStatusConfig("ewsdav-status-none-", sim.url, [{ id: "cards", kind: "contacts", folder: "Contacts", collection: "cards" }]);
    const none = await runCli(["status", "--config", configPath]);
    expect(none.code).toBe(2);
    expect(none.stderr).toBe(`error: no state file at ${statePath} yet: nothing has been synced with this config (run \`ewsdav sync\` first)\n`);
    const { existsSync } = await import("node:fs");
    expect(existsSync(statePath)).toBe(false);
    const noConfig = await runCli(["status", "--config", `${configPath}.missing`]);
    expect(noConfig.code).toBe(2);
    expect((await runCli(["sync", "--config", configPath], { env })).code).toBe(0);
    const unknown = await runCli(["status", "--config", configPath, "--pair", "nope"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no linked pair "nope"; the state file knows cards');
    // --state reads a state file without the config (the config entry is then unknown).
    const direct = await runCli(["status", "--state", statePath, "--config", `${configPath}.missing`, "--json"]);
    expect(direct.code, direct.stderr).toBe(0);
    expect((JSON.parse(direct.stdout) as StatusDocument).pairs[0]).toMatchObject({ id: "cards", configEntry: null });
    for (const bad of ["0", "x", "-1"]) {
      const run = await runCli(["status", "--config", configPath, `--runs=${bad}`]);
      expect(run.code, bad).toBe(2);
      expect(run.stderr).toContain("--runs: expected a whole number ≥ 1");
    }
  });
});
