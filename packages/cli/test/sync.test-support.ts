/**
 * Fixtures of the `ewsdav sync`/`watch` tests: a config in a fresh folder with an EWS account (the
 * simulator, password from the environment) and a vdir folder, and the parsing of `--json-lines`.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The password every fixture config names through `passwordEnv` (the simulator's default user's). */
export const PASSWORD_ENV = "EWSDAV_TEST_SYNC_PASSWORD";

/** A pair of a fixture config. */
export interface FixturePair {
  id?: string;
  kind: "contacts" | "events" | "tasks";
  folder: string;
  collection: string;
}

/** Writes `sync.json` in a new folder: account `work` (EWS at `url`), account `files` (vdir `vdir/`), the pairs. */
export function writeSyncConfig(url: string, pairs: FixturePair[], extra: Record<string, unknown> = {}): { dir: string; configPath: string } {
  const dir = mkdtempSync(join(tmpdir(), "ewsdav-cli-sync-"));
  const configPath = join(dir, "sync.json");
  writeFileSync(
    configPath,
    JSON.stringify({
      state: "state.db",
      ...extra,
      accounts: {
        work: { type: "ews", url, mailbox: "alice@example.com", auth: { type: "basic", username: "alice@example.com", passwordEnv: PASSWORD_ENV } },
        files: { type: "vdir", path: "vdir" },
      },
      pairs: pairs.map(({ id, kind, folder, collection }) => ({ ...(id ? { id } : {}), kind, remote: { account: "work", folder }, local: { account: "files", collection, create: true } })),
    }),
  );
  return { dir, configPath };
}

/** The lines of `--json-lines` output, each parsed (a line that is not JSON fails the test here). */
export function jsonLines(stdout: string): Array<Record<string, unknown> & { type: string }> {
  return stdout
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown> & { type: string });
}
