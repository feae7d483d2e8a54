/**
 * `ewsdav watch` through the real binary: `--json-lines` events (caught up, a change per item,
 * the side's push state, stopped after Ctrl-C with exit 0), and `--json` refused (exit 2).
 * The text mode and its Ctrl-C are in host.test.ts.
 */
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEwsSimulator, startSubscriptionFront, type EwsSimulator } from "@ewsdav/ews-simulator";
import { until } from "../../../test/harness/wait.js";
import { EWSDAV_BIN, runCli } from "./cli.test-support.js";
import { jsonLines, PASSWORD_ENV, writeSyncConfig } from "./sync.test-support.js";

describe("ewsdav watch output", () => {
  let sim: EwsSimulator;
  beforeAll(async () => {
    sim = await startEwsSimulator({ seed: "small" });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it("--json is refused with exit 2 (a command that runs until stopped has no single document)", async () => {
    const { configPath } = writeSyncConfig(sim.url, [{ id: "cards", kind: "contacts", folder: "Contacts", collection: "cards" }]);
    const run = await runCli(["watch", "--config", configPath, "--json"], { env: { [PASSWORD_ENV]: "secret" } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--json-lines");
    expect(run.stdout).toBe("");
  });

  it("--json-lines prints an event per change and per push state, and stopped after Ctrl-C", async () => {
    const front = await startSubscriptionFront({ simulator: sim, users: [{ smtpAddress: "alice@example.com", password: "secret" }], heartbeatIntervalMs: 500 });
    const { configPath } = writeSyncConfig(front.url, [{ id: "cards", kind: "contacts", folder: "Contacts", collection: "cards" }], {
      watch: { pollIntervalSeconds: 0.2, statusIntervalSeconds: 0.5 },
    });
    const child = spawn(process.execPath, [EWSDAV_BIN, "watch", "--config", configPath, "--json-lines"], { env: { ...process.env, [PASSWORD_ENV]: "secret" }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const events = () => jsonLines(stdout.slice(0, stdout.lastIndexOf("\n") + 1));
    try {
      await until("caught up", () => events().some((e) => e.type === "cycle" && (e.triggers as string[]).includes("start")), 60_000);
      await until("push connected", () => events().some((e) => e.type === "watch-status" && e.side === "work" && e.state === "connected"), 60_000);
      sim.mailbox("alice@example.com").createItem("contacts", "<Contact><GivenName>Json</GivenName><Surname>Lines</Surname></Contact>");
      await until("the change event", () => events().some((e) => e.type === "change" && e.pair === "cards" && e.to === "files" && e.op === "created"), 60_000);
      await until("a status event", () => events().some((e) => e.type === "status" && e.pair === "cards"), 60_000);
      child.kill("SIGINT");
      expect(await exited).toBe(0);
    } finally {
      child.kill("SIGKILL");
      await front.stop();
    }
    const all = jsonLines(stdout);
    expect(all.at(-1)).toMatchObject({ type: "stopped", cycles: expect.any(Number) });
    expect(all.find((e) => e.type === "cycle")).toMatchObject({ pair: "cards", summary: { local: { created: 5 } }, stopped: null });
    expect(stderr).toBe("");
    expect(stdout).not.toContain("secret");
  });
});
