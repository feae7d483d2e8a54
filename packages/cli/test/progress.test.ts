/**
 * The progress bar of `ewsdav sync` on a terminal: the binary runs under a pseudo-terminal
 * (util-linux `script`) against the simulator with enough items that the bar shows; the captured
 * terminal output holds the bar at its final count, then the summary line, and the run exits 0.
 * Off a terminal the same run prints no escape code (sync.test.ts).
 */
import { execFileSync, spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import { EWSDAV_BIN } from "./cli.test-support.js";
import { PASSWORD_ENV, writeSyncConfig } from "./sync.test-support.js";

/** Runs a command line under a pseudo-terminal; resolves with everything the terminal received and the exit code. */
function underTerminal(command: string, env: Record<string, string>): Promise<{ code: number | null; screen: string }> {
  return new Promise((resolve, reject) => {
    // -q quiet, -f flush at once, -e the command's exit code, -c the command; the typescript file is /dev/null.
    const child = spawn("script", ["-qfec", command, "/dev/null"], { env: { ...process.env, ...env, TERM: "xterm", COLUMNS: "120", LINES: "40" }, stdio: ["pipe", "pipe", "pipe"] });
    let screen = "";
    child.stdout.on("data", (d: Buffer) => (screen += d.toString()));
    child.stderr.on("data", (d: Buffer) => (screen += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, screen });
    });
  });
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

describe("ewsdav sync on a terminal", () => {
  let sim: EwsSimulator;
  beforeAll(async () => {
    execFileSync("script", ["--version"]);
    sim = await startEwsSimulator();
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it("shows a progress bar per long pair (done/total, rate, ETA) that finishes and gives way to the summary line", async () => {
    const box = sim.mailbox("alice@example.com");
    for (let i = 0; i < 60; i++) box.createItem("contacts", `<Contact><GivenName>Bar${i}</GivenName><Surname>Progress</Surname></Contact>`);
    const { configPath } = writeSyncConfig(sim.url, [{ id: "people", kind: "contacts", folder: "Contacts", collection: "people" }]);
    const { code, screen } = await underTerminal(`${quote(process.execPath)} ${quote(EWSDAV_BIN)} sync --config ${quote(configPath)}`, { [PASSWORD_ENV]: "secret" });
    expect(code, screen).toBe(0);
    // The bar: the pair, the phase, done/total, a rate and an ETA; drawn with cursor control.
    // (Frames are drawn at most 10 times a second, so which phases show depends on the machine's speed;
    // the last frame is drawn at the pair's end, at its final count.)
    expect(screen).toMatch(/people \[[^\]]*\] (reading|planning|writing|done) \d+\/\d+ \| \S+\/s \| ETA /);
    const final = /people \[[^\]]*\] (writing|done) 60\/60 \| [\d.]+\/s \| ETA \S+/g;
    expect(screen).toMatch(new RegExp(final.source));
    expect(screen).toContain("\x1b[");
    // Then the summary line, after the last drawing of the bar.
    const lastFrame = [...screen.matchAll(final)].at(-1)!.index;
    expect(screen.search(/people: local \+60 ~0 -0/), screen).toBeGreaterThan(lastFrame);
    expect(screen).not.toContain("secret");
  });
});
