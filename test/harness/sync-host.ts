/**
 * Test harness: `ewsdav sync` (the built binary, packages/cli/bin/ewsdav.js) as a child process,
 * the way a user or a scheduler runs it, so that tests can kill it with SIGKILL at any instant and
 * run it again on the same state file.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** The `ewsdav` binary (runs the built packages; the integration tests' global setup builds them). */
export const EWSDAV_BIN = fileURLToPath(new URL("../../packages/cli/bin/ewsdav.js", import.meta.url));

/** How one run of the host ended. */
export interface SyncHostExit {
  /** Exit code, or null when a signal ended it. */
  code: number | null;
  /** The signal that ended it (`SIGKILL` after {@link SyncHostRun.kill}). */
  signal: NodeJS.Signals | null;
  /** Whether {@link SyncHostRun.kill} was called before it exited. */
  killed: boolean;
  /** stdout and stderr, interleaved (the last 64 KiB). */
  output: string;
}

/** A running host process. */
export interface SyncHostRun {
  readonly child: ChildProcess;
  /** Sends SIGKILL now (synchronously); a no-op once it exited. */
  kill(): void;
  /** Resolves when the process has exited. */
  readonly exited: Promise<SyncHostExit>;
}

/** Starts `ewsdav sync --config <configPath>` as a child process (node directly, without npm or a shell in between). */
export function startSyncHost(configPath: string, env: Record<string, string> = {}): SyncHostRun {
  const child = spawn(process.execPath, [EWSDAV_BIN, "sync", "--config", configPath], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-65_536);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  let killed = false;
  const exited = new Promise<SyncHostExit>((resolve) => {
    child.on("close", (code, signal) => resolve({ code, signal, killed, output }));
  });
  return {
    child,
    kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      killed = true;
      child.kill("SIGKILL");
    },
    exited,
  };
}

/** One account of a sweep config. */
export type SweepAccount =
  | { type: "ews"; url: string; username: string; passwordEnv: string }
  | { type: "dav"; url: string; username: string; passwordEnv: string }
  | { type: "vdir"; path: string };

/**
 * Writes a sync host config with one contacts pair: `remote` (EWS, folder `remoteFolder`) ↔
 * `local` (`localCollection`). Push notifications are off (one cycle per run); the lease is short
 * so that a run after a kill takes over soon (ignored by a host without leases).
 */
export function writeSweepConfig(
  configPath: string,
  options: { state: string; remote: SweepAccount; local: SweepAccount; remoteFolder: string; localCollection: string; createLocal?: boolean; lease?: { ttlSeconds: number; waitSeconds: number } },
): void {
  const account = (a: SweepAccount) =>
    a.type === "vdir"
      ? a
      : a.type === "ews"
        ? { type: "ews", url: a.url, mailbox: a.username, notifications: false, auth: { type: "basic", username: a.username, passwordEnv: a.passwordEnv } }
        : { type: "dav", url: a.url, username: a.username, passwordEnv: a.passwordEnv };
  writeFileSync(
    configPath,
    JSON.stringify(
      {
        state: options.state,
        lease: options.lease ?? { ttlSeconds: 1, waitSeconds: 10 },
        accounts: { remote: account(options.remote), local: account(options.local) },
        pairs: [
          {
            id: "sweep",
            kind: "contacts",
            remote: { account: "remote", folder: options.remoteFolder },
            local: { account: "local", collection: options.localCollection, create: options.createLocal ?? false },
          },
        ],
      },
      null,
      2,
    ),
    { mode: 0o600 },
  );
}
