/**
 * Running the real `ewsdav` binary in tests: `node packages/cli/bin/ewsdav.js …` as a child
 * process (dist/ is built by the integration tests' global setup), with its exit code and output.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The `ewsdav` binary. */
export const EWSDAV_BIN = fileURLToPath(new URL("../bin/ewsdav.js", import.meta.url));

/** How a run of the binary ended. */
export interface CliRun {
  /** The exit code (null when a signal ended it). */
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Options of {@link runCli}. */
export interface RunCliOptions {
  /** Extra environment (over this process's). */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Written to stdin, which is then closed (default: stdin closed at once). */
  input?: string;
  /** Kills the process after this long (default 120 s). */
  timeoutMs?: number;
}

/** Runs `ewsdav <args>` to its end. */
export function runCli(args: readonly string[], options: RunCliOptions = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [EWSDAV_BIN, ...args], {
      cwd: options.cwd ?? process.cwd(),
      env: { ...process.env, ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 120_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? "");
  });
}
