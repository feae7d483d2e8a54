/**
 * Child processes and throwaway folders of bench/peers.ts: every child runs in a process group of its
 * own (so /usr/bin/time and what it runs are ended together), is tracked until it exits, has a
 * timeout, and is killed by {@link cleanup}, which also removes the throwaway folders and runs the
 * registered stop functions (Radicale). `installCleanupHandlers` makes Ctrl-C, SIGTERM and an exit
 * on failure run it too.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

const children = new Set<ChildProcess>();
const folders = new Set<string>();
const stops: Array<() => Promise<void>> = [];

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    child.kill("SIGKILL");
  }
}

/** A throwaway folder, removed by {@link cleanup}. */
export function scratchFolder(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  folders.add(dir);
  return dir;
}

/** Runs `stop` in {@link cleanup} (before the folders are removed). */
export function onCleanup(stop: () => Promise<void>): void {
  stops.push(stop);
}

let cleaned: Promise<void> | undefined;

/** Kills every child still running, runs the stop functions, removes the throwaway folders. Idempotent. */
export function cleanup(): Promise<void> {
  cleaned ??= (async () => {
    for (const child of children) killGroup(child);
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
    for (const dir of folders) rmSync(dir, { recursive: true, force: true });
    folders.clear();
  })();
  return cleaned;
}

/** Ctrl-C and SIGTERM end the run after {@link cleanup}; a plain exit kills what is left synchronously. */
export function installCleanupHandlers(): void {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping the servers and peers`);
      void cleanup().finally(() => process.exit(130));
    });
  }
  process.once("exit", () => {
    for (const child of children) killGroup(child);
    for (const dir of folders) rmSync(dir, { recursive: true, force: true });
  });
}

/** Spawns a tracked child in a process group of its own. */
export function spawnTracked(command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; stdin?: "pipe" | "ignore" } = {}): ChildProcess {
  const child = spawn(command, args, {
    stdio: [options.stdin ?? "ignore", "pipe", "pipe"],
    detached: true,
    ...(options.env ? { env: options.env } : {}),
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  children.add(child);
  child.once("exit", () => children.delete(child));
  child.once("error", () => children.delete(child));
  return child;
}

/** What `/usr/bin/time` measured of one process (and the children it waited for). */
export interface Timed {
  /** Wall-clock seconds of the whole process. */
  wall: number;
  /** CPU seconds (user + sys). */
  cpu: number;
  user: number;
  sys: number;
  /** Peak RSS in MiB (the largest process of the tree, as getrusage reports it). */
  rssMiB: number;
  stdout: string;
  stderr: string;
}

/** Options of {@link runTimed}. */
export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Written to the child's stdin, which is then closed. */
  input?: string;
  timeoutMs: number;
  /** Names the step in errors. */
  label: string;
}

/**
 * Runs `command` under `/usr/bin/time` and returns its figures; throws (naming the step, with the
 * end of its output) when it exits non-zero, is killed, or outlives the timeout.
 */
export async function runTimed(command: string, args: readonly string[], options: RunOptions): Promise<Timed> {
  const dir = scratchFolder("ewsdav-bench-time-");
  const timeFile = join(dir, "time");
  const child = spawnTracked("/usr/bin/time", ["-f", "%e %U %S %M", "-o", timeFile, command, ...args], {
    ...(options.env ? { env: options.env } : {}),
    ...(options.cwd ? { cwd: options.cwd } : {}),
    stdin: "pipe",
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-20_000)));
  child.stdin?.on("error", () => undefined);
  child.stdin?.end(options.input ?? "");
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child);
  }, options.timeoutMs);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (exitCode) => resolve(exitCode));
  }).finally(() => clearTimeout(timer));
  const tail = () => `${stderr}\n${stdout}`.trim().split("\n").slice(-15).join("\n");
  if (timedOut) throw new Error(`${options.label}: no answer within ${options.timeoutMs / 1000} s (killed). Last output:\n${tail()}`);
  if (code !== 0) throw new Error(`${options.label}: exited with ${code}. Last output:\n${tail()}`);
  const fields = readFileSync(timeFile, "utf8").trim().split("\n").at(-1)!.split(" ").map(Number);
  rmSync(dir, { recursive: true, force: true });
  folders.delete(dir);
  const [wall, user, sys, kb] = fields as [number, number, number, number];
  return { wall, user, sys, cpu: user + sys, rssMiB: kb / 1024, stdout, stderr };
}

/** The last line of `stdout` that parses as a JSON object. */
export function lastJson<T>(stdout: string, label: string): T {
  for (const line of stdout.trim().split("\n").reverse()) {
    if (!line.startsWith("{")) continue;
    try {
      return JSON.parse(line) as T;
    } catch {
      // not the line
    }
  }
  throw new Error(`${label}: no JSON result in its output:\n${stdout.slice(-2000)}`);
}

/** Whether a command is on PATH. */
export function hasCommand(name: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** A long-running child that prints one JSON line when ready and answers line commands with one JSON line each. */
export interface LineServer<Ready> {
  readonly ready: Ready;
  /** The child's process id. */
  readonly pid: number;
  /** Sends a command, resolves with its JSON answer. */
  ask<T>(command: string): Promise<T>;
  stop(): Promise<void>;
}

/** Starts a {@link LineServer} (the simulator child), waiting at most `timeoutMs` for its first line. */
export async function startLineServer<Ready>(command: string, args: readonly string[], options: { cwd?: string; timeoutMs: number; label: string }): Promise<LineServer<Ready>> {
  const child = spawnTracked(command, args, { stdin: "pipe", ...(options.cwd ? { cwd: options.cwd } : {}) });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-10_000)));
  const waiting: Array<{ resolve: (line: string) => void; reject: (error: Error) => void }> = [];
  let exited: Error | undefined;
  createInterface({ input: child.stdout! }).on("line", (line) => waiting.shift()?.resolve(line));
  child.once("exit", (code, signal) => {
    exited = new Error(`${options.label} exited (${code ?? signal}):\n${stderr.slice(-3000)}`);
    for (const w of waiting.splice(0)) w.reject(exited);
  });
  const next = (timeoutMs: number) =>
    new Promise<string>((resolve, reject) => {
      if (exited) return reject(exited);
      const timer = setTimeout(() => reject(new Error(`${options.label}: no answer within ${timeoutMs / 1000} s:\n${stderr.slice(-3000)}`)), timeoutMs);
      waiting.push({
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
    });
  let ready: Ready;
  try {
    ready = JSON.parse(await next(options.timeoutMs)) as Ready;
  } catch (error) {
    killGroup(child);
    throw error;
  }
  return {
    ready,
    pid: child.pid!,
    async ask<T>(command: string) {
      const answer = next(30_000);
      child.stdin!.write(`${command}\n`);
      return JSON.parse(await answer) as T;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.stdin!.end();
      const timer = setTimeout(() => killGroup(child), 5_000);
      await gone;
      clearTimeout(timer);
    },
  };
}

/** CPU seconds (user + sys) a process has used so far, from /proc (0 when it is gone). */
export function cpuSecondsOf(pid: number): number {
  try {
    // Fields after the command name (which may hold spaces): state is the 3rd field, utime the 14th.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** The process whose command line contains `needle` (the Radicale the harness started, found by its config path). */
export function findProcess(needle: string): number | undefined {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ").includes(needle)) return Number(entry);
    } catch {
      // gone
    }
  }
  return undefined;
}
