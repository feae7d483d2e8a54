/**
 * The exit codes of `ewsdav sync` (exit-codes.ts), each through the real binary: 0 ok, 1 an item
 * the other side refused, 2 a bad config or command line, 3 refused credentials, 4 a server not
 * reached, 5 a safety stop, 6 a pair whose lease another process holds. No secret in any output.
 */
import { readdirSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import { SqliteStateStore } from "@ewsdav/core/sqlite";
import { runCli } from "./cli.test-support.js";
import { jsonLines, PASSWORD_ENV, writeSyncConfig } from "./sync.test-support.js";

const SECRET = "s3cret-Pa55word";
const env = { [PASSWORD_ENV]: SECRET };

/** A loopback port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("ewsdav sync exit codes", () => {
  let sim: EwsSimulator;
  beforeAll(async () => {
    sim = await startEwsSimulator({ seed: "small", users: [{ smtpAddress: "alice@example.com", password: SECRET }] });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it("2: a bad config, a bad flag, a missing option value, --json with --json-lines", async () => {
    const { dir, configPath } = writeSyncConfig(sim.url, [{ id: "cards", kind: "contacts", folder: "Contacts", collection: "cards" }]);
    const bad = join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify({ state: "s.db", accounts: { w: { type: "ews", url: "not a url", auth: { type: "basic", username: "u", password: SECRET } } }, pairs: [] }));
    const badConfig = await runCli(["sync", "--config", bad]);
    expect(badConfig.code).toBe(2);
    expect(badConfig.stderr).toContain("bad config");
    expect(badConfig.stderr).toContain("accounts.w.url");
    const missing = await runCli(["sync", "--config", join(dir, "nowhere.json")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nowhere\.json: cannot be read \(ENOENT\)/);
    const flag = await runCli(["sync", "--config", configPath, "--frobnicate"], { env });
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("--frobnicate");
    const value = await runCli(["sync", "--config", configPath, "--pair"], { env });
    expect(value.code).toBe(2);
    const both = await runCli(["sync", "--config", configPath, "--json", "--json-lines"], { env });
    expect(both.code).toBe(2);
    for (const run of [badConfig, missing, flag, value, both]) expect(run.stdout + run.stderr).not.toContain(SECRET);
  });

  it("3: the server refuses the password — at the first run, and for a pair linked before (the pair's stop, in the report)", async () => {
    const { configPath } = writeSyncConfig(sim.url, [{ id: "cards", kind: "contacts", folder: "Contacts", collection: "cards" }]);
    const first = await runCli(["sync", "--config", configPath], { env: { [PASSWORD_ENV]: "wrong-Pa55word" } });
    expect(first.code, first.stderr).toBe(3);
    expect(first.stderr).toMatch(/^error: .*401/m);
    expect(first.stdout + first.stderr).not.toContain("wrong-Pa55word");
    expect((await runCli(["sync", "--config", configPath], { env })).code).toBe(0);
    const linked = await runCli(["sync", "--config", configPath, "--json"], { env: { [PASSWORD_ENV]: "wrong-Pa55word" } });
    expect(linked.code, linked.stderr).toBe(3);
    const doc = JSON.parse(linked.stdout) as { exitCode: number; pairs: Array<{ exitCode: number; stopped: { code: string; cause?: string } }> };
    expect(doc.exitCode).toBe(3);
    expect(doc.pairs[0]).toMatchObject({ exitCode: 3, stopped: { code: "feed-failed", cause: "EWS_UNAUTHORIZED" } });
    expect(linked.stdout + linked.stderr).not.toContain("wrong-Pa55word");
  });

  it("4: the server cannot be reached (a closed port) — at the first run, and for a linked pair", async () => {
    const port = await closedPort();
    const { configPath } = writeSyncConfig(`http://127.0.0.1:${port}/EWS/Exchange.asmx`, [{ id: "cards", kind: "contacts", folder: "Contacts", collection: "cards" }]);
    const first = await runCli(["sync", "--config", configPath], { env });
    expect(first.code, first.stderr).toBe(4);
    expect(first.stderr).toMatch(/^error: /m);
    // Linked against the simulator, then the server goes away: the pair stops with a connection cause.
    const { configPath: linkedConfig } = writeSyncConfig(sim.url, [{ id: "cards", kind: "contacts", folder: "Contacts", collection: "cards" }]);
    expect((await runCli(["sync", "--config", linkedConfig], { env })).code).toBe(0);
    const text = JSON.parse((await import("node:fs")).readFileSync(linkedConfig, "utf8")) as { accounts: { work: { url: string } } };
    text.accounts.work.url = `http://127.0.0.1:${port}/EWS/Exchange.asmx`;
    writeFileSync(linkedConfig, JSON.stringify(text));
    const linked = await runCli(["sync", "--config", linkedConfig, "--json-lines"], { env });
    expect(linked.code, linked.stderr).toBe(4);
    const end = jsonLines(linked.stdout).find((e) => e.type === "pair-end");
    expect(end).toMatchObject({ exitCode: 4, stopped: { code: "feed-failed" } });
    expect(jsonLines(linked.stdout).at(-1)).toMatchObject({ type: "done", exitCode: 4 });
  });

  it("5: a safety stop — a mass delete, then a side emptied; the override flags let it through", async () => {
    const box = sim.mailbox("alice@example.com");
    const { dir, configPath } = writeSyncConfig(sim.url, [{ id: "many", kind: "contacts", folder: "Many", collection: "many" }]);
    const folder = box.createFolder("contacts", "Many", "IPF.Contact").id;
    for (let i = 0; i < 15; i++) box.createItem(folder, `<Contact><GivenName>Safe${i}</GivenName><Surname>Guard</Surname></Contact>`);
    expect((await runCli(["sync", "--config", configPath], { env })).code).toBe(0);
    const cards = join(dir, "vdir", "many");
    const files = readdirSync(cards).filter((f) => f.endsWith(".vcf"));
    expect(files).toHaveLength(15);
    for (const f of files.slice(0, 12)) unlinkSync(join(cards, f));
    const mass = await runCli(["sync", "--config", configPath], { env });
    expect(mass.code, mass.stderr).toBe(5);
    expect(mass.stderr).toMatch(/many: stopped \(mass-delete\): .*--allow-mass-delete/);
    expect(box.items(folder)).toHaveLength(15);
    for (const f of files.slice(12)) unlinkSync(join(cards, f));
    const empty = await runCli(["sync", "--config", configPath, "--json"], { env });
    expect(empty.code, empty.stderr).toBe(5);
    const stopped = JSON.parse(empty.stdout) as { exitCode: number; pairs: Array<{ exitCode: number; stopped: { code: string } }> };
    expect(stopped).toMatchObject({ exitCode: 5, pairs: [{ exitCode: 5 }] });
    expect(["mass-delete", "empty-side"]).toContain(stopped.pairs[0]!.stopped.code);
    const allowed = await runCli(["sync", "--config", configPath, "--allow-empty-side", "--allow-mass-delete"], { env });
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(box.items(folder)).toHaveLength(0);
    rmSync(dir, { recursive: true, force: true });
  });

  it("6: another process holds the pair's lease (lease.waitSeconds 0): pair-busy, nothing written", async () => {
    const { dir, configPath } = writeSyncConfig(sim.url, [{ id: "busy", kind: "tasks", folder: "Tasks", collection: "busy" }], { lease: { ttlSeconds: 60, waitSeconds: 0 } });
    expect((await runCli(["sync", "--config", configPath], { env })).code).toBe(0);
    const store = new SqliteStateStore(join(dir, "state.db"));
    const held = await store.acquireLease({ pairId: "busy", owner: "another-host/4242/test", ttlMs: 600_000 });
    expect(held.acquired).toBe(true);
    try {
      const run = await runCli(["sync", "--config", configPath], { env });
      expect(run.code, run.stderr).toBe(6);
      expect(run.stderr).toMatch(/busy: pair-busy: not synced/);
      const json = await runCli(["sync", "--config", configPath, "--json"], { env });
      expect(JSON.parse(json.stdout)).toMatchObject({ exitCode: 6, pairs: [{ id: "busy", exitCode: 6, stopped: { code: "pair-busy" } }] });
    } finally {
      if (held.acquired) await store.releaseLease(held.lease);
      store.close();
    }
    expect((await runCli(["sync", "--config", configPath], { env })).code).toBe(0);
  });

  it("1: an item the other side refuses (the rest synced): reported by UID, exit 1", async () => {
    const { dir, configPath } = writeSyncConfig(sim.url, [{ id: "chores", kind: "tasks", folder: "Tasks", collection: "chores" }]);
    expect((await runCli(["sync", "--config", configPath], { env })).code).toBe(0);
    // More properties in one component than the mappers accept (20 000): the Exchange side refuses the item.
    const many = Array.from({ length: 20_001 }, (_, i) => `CATEGORIES:c${i}`);
    const bad = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", "BEGIN:VTODO", "UID:refused-task", "SUMMARY:Refused", ...many, "END:VTODO", "END:VCALENDAR", ""];
    const good = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", "BEGIN:VTODO", "UID:accepted-task", "SUMMARY:Accepted", "END:VTODO", "END:VCALENDAR", ""];
    writeFileSync(join(dir, "vdir", "chores", "refused-task.ics"), bad.join("\r\n"));
    writeFileSync(join(dir, "vdir", "chores", "accepted-task.ics"), good.join("\r\n"));
    const run = await runCli(["sync", "--config", configPath, "--json"], { env });
    expect(run.code, run.stdout + run.stderr).toBe(1);
    const doc = JSON.parse(run.stdout) as { exitCode: number; pairs: Array<{ exitCode: number; remote: { created: number }; errors: Array<{ uid: string; code: string }> }> };
    expect(doc.pairs[0]!.exitCode).toBe(1);
    expect(doc.pairs[0]!.remote.created).toBe(1);
    expect(doc.pairs[0]!.errors).toEqual([expect.objectContaining({ uid: "refused-task" })]);
    const text = await runCli(["sync", "--config", configPath], { env });
    expect(text.code).toBe(1);
    expect(text.stderr).toMatch(/^error: chores: error \S+ remote refused-task: /m);
  });
});
