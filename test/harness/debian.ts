/**
 * Test harness: the one place tests get the Debian packages they drive (DAV servers, DavMail, zsh,
 * exchangelib). A test calls {@link ensureDebianPackages} with what it needs and a probe that says
 * whether it is there. When it is missing and the process runs as root, the packages are installed
 * with apt-get under a machine-wide lock (test files run in parallel, and dpkg allows one install at
 * a time); otherwise the call throws a message naming what to install. Nothing is ever skipped.
 *
 * `.ci/run` installs every package listed in {@link DEBIAN_TEST_PACKAGES} before the suite, so in
 * CI the probes find them and no test waits for apt.
 */
import { execFileSync } from "node:child_process";

/** Every Debian package some test drives (kept in step with `.ci/run`). */
export const DEBIAN_TEST_PACKAGES = ["radicale", "xandikos", "php-cli", "php-sqlite3", "php-sabre-dav", "python3-exchangelib", "davmail-server", "zsh", "postgresql"] as const;

/** The lock file that serialises the harness's apt-get runs across test processes. */
const APT_LOCK = "/tmp/ewsdav-test-apt.lock";

/**
 * Makes sure `packages` are installed: returns when `present()` says so (before or after installing
 * them as root), else throws `what` is missing with the apt-get line to run.
 */
export function ensureDebianPackages(what: string, packages: readonly string[], present: () => boolean): void {
  if (present()) return;
  const list = packages.join(" ");
  if (typeof process.getuid === "function" && process.getuid() === 0) {
    try {
      // flock: one apt run at a time; another test may have installed them while this one waited.
      execFileSync("flock", [APT_LOCK, "sh", "-c", `apt-get install -y ${list} || (apt-get update && apt-get install -y ${list})`], {
        stdio: "ignore",
        env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
        timeout: 900_000,
      });
    } catch {
      // reported below
    }
    if (present()) return;
  }
  throw new Error(`${what} is not installed and could not be installed here. Install it with: sudo apt-get install -y ${list} (Debian packages).`);
}
