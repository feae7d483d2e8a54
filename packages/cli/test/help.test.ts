/**
 * `ewsdav --help` and per-command help through the binary: wrapped to 80 columns off a terminal and
 * to the terminal's width on one (under `script`, with the width set by `stty`), examples shown,
 * and the usage errors around help.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { EWSDAV_BIN, runCli } from "./cli.test-support.js";

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

describe("ewsdav help", () => {
  it("off a terminal: 80 columns, the commands, the exit codes", async () => {
    const run = await runCli(["--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^ {2}sync +Sync the configured pairs once$/m);
    expect(run.stdout).toContain("Exit codes:");
    expect(run.stdout).toMatch(/^ {2}6 +another process is syncing a pair$/m);
    for (const line of run.stdout.split("\n")) expect(line.length, line).toBeLessThanOrEqual(80);
    expect(run.stdout).not.toContain("\x1b");
  });

  it("on a terminal: as wide as the terminal", () => {
    const command = `stty cols 132 rows 40; ${quote(process.execPath)} ${quote(EWSDAV_BIN)} sync --help`;
    const run = spawnSync("script", ["-qfec", command, "/dev/null"], { encoding: "utf8", env: { ...process.env, TERM: "xterm" } });
    expect(run.status, run.stdout).toBe(0);
    const lines = run.stdout.replace(/\r/g, "").split("\n");
    expect(Math.max(...lines.map((l) => l.length))).toBeGreaterThan(80);
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(132);
  });

  it("per command: usage, options, examples — with --help, -h and `ewsdav help <command>`", async () => {
    const long = await runCli(["sync", "--help"]);
    expect(long.code).toBe(0);
    expect(long.stdout).toMatch(/^Usage: ewsdav sync \[options\]$/m);
    expect(long.stdout).toMatch(/^ {2}-p, --pair ID +sync only this pair/m);
    expect(long.stdout).toContain("Examples:\n  ewsdav sync\n");
    expect((await runCli(["sync", "-h"])).stdout).toBe(long.stdout);
    expect((await runCli(["help", "sync"])).stdout).toBe(long.stdout);
    const two = await runCli(["config", "schema", "--help"]);
    expect(two.stdout).toMatch(/^Usage: ewsdav config schema/m);
  });

  it("usage errors exit 2: no command, an unknown command, an unknown option", async () => {
    const none = await runCli([]);
    expect(none.code).toBe(2);
    expect(none.stdout).toContain("Usage: ewsdav <command>");
    const group = await runCli(["config"]);
    expect(group.code).toBe(2);
    expect(group.stderr).toContain("ewsdav config needs a sub-command: `ewsdav config schema`");
    const unknown = await runCli(["frobnicate"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no command "frobnicate"');
    const option = await runCli(["status", "--frobnicate"]);
    expect(option.code).toBe(2);
    expect(option.stderr).toMatch(/--frobnicate/);
  });
});
