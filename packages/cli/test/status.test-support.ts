/**
 * What the tests of `ewsdav status`, `unlink` and `reset-pair` share: a config in a new folder
 * (an EWS account whose password comes from the environment, a vdir folder, the pairs), the files
 * of a vdir collection, and the state file opened in the test (to hold a pair's lease as another
 * process would).
 */
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The environment variable the test configs read the password from. */
export const PASSWORD_ENV = "EWSDAV_STATUS_TEST_PASSWORD";
/** The password the simulators of these tests accept (it must never be printed). */
export const SECRET = "st4tus-Secret-pw";

/** A pair of a test config: an EWS folder and a vdir collection (created when missing). */
export interface TestPair {
  id?: string;
  kind: "contacts" | "events" | "tasks";
  folder: string;
  collection: string;
}

/** Writes a config in a new folder; the state file is `state.db` beside it, the vdir folder `vdir`. */
export function writeStatusConfig(prefix: string, url: string, pairs: TestPair[]): { dir: string; configPath: string; statePath: string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const configPath = join(dir, "config.json");
  writeFileSync(
    configPath,
    JSON.stringify({
      state: "state.db",
      lease: { ttlSeconds: 60, waitSeconds: 0 },
      accounts: {
        work: { type: "ews", url, mailbox: "alice@example.com", auth: { type: "basic", username: "alice@example.com", passwordEnv: PASSWORD_ENV } },
        files: { type: "vdir", path: "vdir" },
      },
      pairs: pairs.map(({ id, kind, folder, collection }) => ({ ...(id ? { id } : {}), kind, remote: { account: "work", folder }, local: { account: "files", collection, create: true } })),
    }),
    { mode: 0o600 },
  );
  return { dir, configPath, statePath: join(dir, "state.db") };
}

/** The item files of a vdir collection. */
export function vdirFiles(dir: string, collection: string): string[] {
  const folder = join(dir, "vdir", collection);
  return existsSync(folder) ? readdirSync(folder).filter((f) => f.endsWith(".vcf") || f.endsWith(".ics")).sort() : [];
}
