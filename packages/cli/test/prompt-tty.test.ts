/**
 * `ewsdav init` on a real terminal: the binary runs under `script` (util-linux), which gives it a
 * pseudo-terminal; the test answers each question when it appears. The password typed at its
 * question is not echoed, a refused answer is asked again, and Ctrl-C ends the command with
 * nothing written.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { until } from "../../../test/harness/wait.js";
import { EWSDAV_BIN } from "./cli.test-support.js";

describe("ewsdav init on a terminal", () => {
  it("does not echo the password, asks again after a bad answer, and stops on Ctrl-C writing nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ewsdav-init-tty-"));
    const configPath = join(dir, "config.json");
    const command = `${process.execPath} ${EWSDAV_BIN} init --config ${configPath}`;
    const child = spawn("script", ["-qfec", command, "/dev/null"], { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, TERM: "dumb" } });
    let screen = "";
    child.stdout.on("data", (d: Buffer) => (screen += d.toString()));
    child.stderr.on("data", (d: Buffer) => (screen += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const answer = async (question: string, text: string) => {
      await until(`the question "${question}"`, () => screen.includes(question));
      child.stdin.write(text);
    };
    try {
      await answer("Your e-mail address (the Exchange mailbox):", "not-an-address\r");
      await until("the complaint", () => screen.includes("an address like alice@example.com"));
      child.stdin.write("alice@example.com\r");
      await answer("Choice [1]:", "\r");
      await answer("User name: [alice@example.com]", "\r");
      await answer("Password:", "TopSecret-Pw-9x\r");
      await answer("EWS URL (leave empty to find it by autodiscover):", "\x03");
      expect(await exited).toBe(2);
      expect(screen).toContain("stopped (Ctrl-C); nothing was written");
      expect(screen).not.toContain("TopSecret-Pw-9x");
      expect(existsSync(configPath)).toBe(false);
    } finally {
      child.kill("SIGKILL");
    }
  });
});
