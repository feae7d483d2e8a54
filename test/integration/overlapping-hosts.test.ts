/**
 * One writer per pair, through the real sync host: several `npm run sync` processes
 * (`ewsdav sync --config …`, the built binary) started together on ONE SQLite state file,
 * pairing the EWS simulator's Contacts folder (over HTTP) with a vdir folder. Between rounds new
 * contacts appear on both sides — in Exchange through an EwsClient, as another client would; in the
 * folder as files. After every round each contact is there exactly once on both sides.
 *
 * A host killed with SIGKILL while it holds the pair's lease (its CreateItem answer held back by the
 * simulator): a host started meanwhile with `waitSeconds: 0` reports `pair-busy` and writes nothing;
 * a host that waits takes the pair over once the dead host's lease expires, and finishes its
 * journaled work without a duplicate.
 *
 * Fuzz mode (`EWSDAV_FUZZ`, see the shared convention): rounds for `EWSDAV_FUZZ_SECONDS` with 2–4
 * hosts, random numbers of new items and a random host killed at a random instant in some rounds,
 * from the seed `EWSDAV_FUZZ_SEED`; one JSON line per run in `EWSDAV_FUZZ_REPORT`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { basicAuth, EwsClient } from "@ewsdav/ews-client";
import { startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import { until } from "../harness/wait.js";
import { EWSDAV_BIN } from "../harness/sync-host.js";
import { appendFuzzReport, fuzzSettings, seededRandom } from "../harness/fuzz-env.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const USER = "alice@example.com";
const PASSWORD = "secret";

/** Fuzz settings from the shared convention (test/harness/fuzz-env.ts); the suite's seed is 12. */
const FUZZ_SETTINGS = fuzzSettings(12);
const FUZZ = FUZZ_SETTINGS.fuzz;
// A longer default budget than the convention's 60 s: a round of real hosts takes several seconds.
const FUZZ_SECONDS = process.env.EWSDAV_FUZZ_SECONDS ? FUZZ_SETTINGS.seconds : 120;

interface Host {
  child: ChildProcess;
  /** Resolves with the exit code (null: killed by a signal) and everything printed. */
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }>;
}

/** Starts the real sync host on a config. */
function startHost(configPath: string): Host {
  const child = spawn(process.execPath, [EWSDAV_BIN, "sync", "--config", configPath], {
    cwd: ROOT,
    env: { ...process.env, EWSDAV_TEST_PASSWORD: PASSWORD },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal, out })),
  );
  return { child, exit };
}

/** A folder with a config for the pair Contacts ↔ vdir `contacts`; `lease` as the host's config takes it. */
function writeConfig(dir: string, url: string, lease: { ttlSeconds: number; waitSeconds: number }, name = "sync.json"): string {
  const configPath = join(dir, name);
  writeFileSync(
    configPath,
    JSON.stringify({
      state: "state.db",
      lease,
      accounts: {
        work: { type: "ews", url, mailbox: USER, notifications: false, auth: { type: "basic", username: USER, passwordEnv: "EWSDAV_TEST_PASSWORD" } },
        files: { type: "vdir", path: "vdir" },
      },
      pairs: [{ id: "contacts", kind: "contacts", remote: { account: "work", folder: "Contacts" }, local: { account: "files", collection: "contacts", create: true } }],
    }),
  );
  return configPath;
}

/** The given names of the contacts on both sides, each with how often it occurs there. */
function census(sim: EwsSimulator, folder: string): { ews: Map<string, number>; vdir: Map<string, number> } {
  const count = (names: string[]) => {
    const m = new Map<string, number>();
    for (const n of names) m.set(n, (m.get(n) ?? 0) + 1);
    return m;
  };
  const ews = sim.mailbox(USER).items("contacts").map((i) => i.get("GivenName") ?? "(none)");
  const files = existsSync(folder) ? readdirSync(folder).filter((f) => f.endsWith(".vcf")) : [];
  const vdir = files.map((f) => /^N:[^;\r\n]*;([^;\r\n]*)/m.exec(readFileSync(join(folder, f), "utf8"))?.[1] ?? "(none)");
  return { ews: count(ews), vdir: count(vdir) };
}

/** What is wrong with the census: names not exactly once on both sides (the `expected` ones), or differing between sides. */
function problems(sim: EwsSimulator, folder: string, expected: Iterable<string>): string[] {
  const { ews, vdir } = census(sim, folder);
  const found: string[] = [];
  for (const name of expected) {
    if (ews.get(name) !== 1) found.push(`${name} is ${ews.get(name) ?? 0}× in Exchange`);
    if (vdir.get(name) !== 1) found.push(`${name} is ${vdir.get(name) ?? 0}× in the folder`);
  }
  // Every contact, from any round, as often on one side as on the other.
  for (const name of new Set([...ews.keys(), ...vdir.keys()])) {
    if ((ews.get(name) ?? 0) !== (vdir.get(name) ?? 0)) found.push(`${name}: ${ews.get(name) ?? 0}× in Exchange, ${vdir.get(name) ?? 0}× in the folder`);
  }
  return [...new Set(found)];
}

/** The pair's lease row as the hosts left it (read-only connection). */
function leaseRow(statePath: string): { owner: string | null; token: number; expires_at: number } | undefined {
  if (!existsSync(statePath)) return undefined;
  const db = new Database(statePath, { readonly: true, fileMustExist: true });
  try {
    const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'leases'").get();
    return hasTable ? (db.prepare("SELECT owner, token, expires_at FROM leases WHERE pair_id = 'contacts'").get() as never) : undefined;
  } finally {
    db.close();
  }
}

describe("overlapping sync hosts on one state file (EWS simulator ↔ vdir)", () => {
  let sim: EwsSimulator;
  let ews: EwsClient;

  beforeAll(async () => {
    sim = await startEwsSimulator(); // an empty mailbox: every contact in it is one the test made
    ews = new EwsClient({ url: sim.url, auth: basicAuth({ username: USER, password: PASSWORD }), mailbox: USER });
  });
  afterAll(async () => {
    await ews?.close();
    await sim?.stop();
  });

  /** New contacts: in Exchange over HTTP (as another client), and as files in the folder. */
  async function addItems(folder: string, tag: string, onEws: number, onFiles: number): Promise<string[]> {
    const names: string[] = [];
    if (onEws > 0) {
      const ewsNames = Array.from({ length: onEws }, (_, i) => `E${tag}x${i}`);
      const created = await ews.createItem(ewsNames.map((givenName) => ({ type: "Contact" as const, item: { givenName, surname: "Overlap" } })));
      expect(created.every((r) => !(r instanceof Error))).toBe(true);
      names.push(...ewsNames);
    }
    for (let i = 0; i < onFiles; i++) {
      const name = `V${tag}x${i}`;
      mkdirSync(folder, { recursive: true });
      writeFileSync(join(folder, `${name}.vcf`), `BEGIN:VCARD\r\nVERSION:3.0\r\nUID:overlap-${name}\r\nFN:${name} Overlap\r\nN:Overlap;${name};;;\r\nEND:VCARD\r\n`);
      names.push(name);
    }
    return names;
  }

  it("two, then three hosts started together, rounds of new items on both sides: every item exactly once on both sides", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ewsdav-overlap-"));
    const folder = join(dir, "vdir", "contacts");
    const seed = FUZZ_SETTINGS.seed;
    const rand = seededRandom(seed);
    const tried = { rounds: 0, runs: 0, kills: 0, inputs: 0 };
    const found: string[] = [];
    const expected = new Set<string>();
    // Waiting hosts wait long enough. The suite's rounds kill no host, so the lease is long enough
    // that no event-loop stall of a loaded machine lets another host take over a live one (its cycle
    // would then stop with lease-lost, which is correct but not what a round checks). Fuzz rounds
    // kill hosts, so their lease is short to expire soon; a live host that loses it there is
    // followed by one more run, as after a kill.
    const configPath = writeConfig(dir, sim.url, { ttlSeconds: FUZZ ? 3 : 15, waitSeconds: 90 });

    /** One round: new items, `hosts` processes started together (one killed at `killAfterMs`), then the check. */
    const round = async (hosts: number, onEws: number, onFiles: number, killAfterMs: number | null): Promise<void> => {
      tried.rounds++;
      // The folder does not exist before the first round: the first hosts also race to link the pair.
      for (const name of await addItems(folder, String(tried.rounds), onEws, existsSync(folder) ? onFiles : 0)) expected.add(name);
      tried.inputs = expected.size;
      const running = Array.from({ length: hosts }, () => startHost(configPath));
      tried.runs += hosts;
      let killed: Host | null = null;
      if (killAfterMs !== null) {
        await new Promise((r) => setTimeout(r, killAfterMs));
        killed = running[Math.floor(rand() * hosts)]!;
        killed.child.kill("SIGKILL");
        tried.kills++;
      }
      const results = await Promise.all(running.map((h) => h.exit));
      let lost = false;
      for (const [i, r] of results.entries()) {
        if (running[i] === killed) continue;
        if (FUZZ && r.code === 1 && /lease-lost/.test(r.out)) lost = true;
        else if (r.code !== 0) found.push(`round ${tried.rounds}: host ${i} exited ${r.code ?? r.signal}: ${r.out.trim().split("\n").slice(-3).join(" / ")}`);
      }
      if (killed || lost) {
        // A host killed while it held the lease left journaled work: the next run finishes it.
        const after = startHost(configPath);
        tried.runs++;
        const r = await after.exit;
        if (r.code !== 0) found.push(`round ${tried.rounds}: the run after the kill exited ${r.code ?? r.signal}: ${r.out.trim().split("\n").slice(-3).join(" / ")}`);
      }
      for (const p of problems(sim, folder, expected)) found.push(`round ${tried.rounds} (${hosts} hosts${killed ? ", one killed" : ""}): ${p}`);
    };

    if (!FUZZ) {
      for (const hosts of [2, 3, 3]) {
        await round(hosts, 4, 4, null);
        expect(found).toEqual([]);
      }
      expect(leaseRow(join(dir, "state.db"))?.owner).toBeNull(); // released by the last host
    } else {
      const deadline = Date.now() + FUZZ_SECONDS * 1000;
      while (Date.now() < deadline && found.length === 0) {
        const hosts = 2 + Math.floor(rand() * 3);
        const kill = rand() < 0.4 ? Math.floor(rand() * 4000) : null;
        await round(hosts, Math.floor(rand() * 9), Math.floor(rand() * 9), kill);
      }
      appendFuzzReport(FUZZ_SETTINGS, { name: "overlapping-hosts", seed, tried, found });
      expect(found, `seed ${seed}`).toEqual([]);
    }
  }, FUZZ ? (FUZZ_SECONDS + 300) * 1000 : 180_000);

  it("kill -9 of the host holding the lease: a host meanwhile reports pair-busy; a waiting host takes over after expiry, no duplicate", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ewsdav-overlap-kill-"));
    const folder = join(dir, "vdir", "contacts");
    const statePath = join(dir, "state.db");
    // A lease long enough that no stall of a loaded machine lets the impatient host in while the
    // victim lives; the waiting host then takes over at most this long after the kill.
    const configPath = writeConfig(dir, sim.url, { ttlSeconds: 8, waitSeconds: 90 });
    const impatient = writeConfig(dir, sim.url, { ttlSeconds: 8, waitSeconds: 0 }, "impatient.json");
    // Link the pair, and copy what the first test left in the mailbox.
    const first = await startHost(configPath).exit;
    expect(first.code, first.out).toBe(0);
    const names = await addItems(folder, "K", 3, 6);

    // The host's CreateItem is executed, but its answer is held back until long after the kill.
    sim.faults.inject({ kind: "latency", milliseconds: 120_000, operation: "CreateItem", times: 1 });
    const creates = sim.requestCount("CreateItem");
    const victim = startHost(configPath);
    await until("the victim's CreateItem", () => sim.requestCount("CreateItem") > creates, 60_000);
    const held = leaseRow(statePath);
    expect(held?.owner).toMatch(/\/\d+\//);
    expect(held!.owner).toContain(`/${victim.child.pid}/`);

    // While the victim holds the lease (renewing it), a host that does not wait is told so and writes nothing.
    const busy = await startHost(impatient).exit;
    expect(busy.code).toBe(6); // pair busy
    expect(busy.out).toMatch(/contacts: .*stopped: pair-busy/);
    expect(busy.out).toContain("pair-busy: not synced, pair contacts: another process");
    expect(leaseRow(statePath)!.token).toBe(held!.token);

    victim.child.kill("SIGKILL");
    const dead = await victim.exit;
    expect(dead.signal).toBe("SIGKILL");
    // The dead host's lease is still in the row; the next host waits for it to expire, then takes over.
    expect(leaseRow(statePath)!.owner).toBe(held!.owner);
    const next = await startHost(configPath).exit;
    expect(next.code, next.out).toBe(0);
    expect(leaseRow(statePath)!.token).toBeGreaterThan(held!.token);
    sim.faults.clear();
    // The taking-over run finished the dead host's work: everything exactly once.
    expect(problems(sim, folder, names)).toEqual([]);
  }, 180_000);
});
