/**
 * Benchmark: the cost of `ewsdav sync` as a whole process over two vdir folders (no server): a
 * first sync of `n` contacts, the cycle after it (the echoes of its own writes), and then no-op
 * runs (best of 3 by wall time). Prints wall, CPU (user + sys) and peak RSS of each process, as
 * `/usr/bin/time` measures them; `ewsdav --version` as the floor of node start-up.
 *
 *   npx tsx bench/noop.ts [contacts=10000]
 *
 * Build first (`npm run build`): it runs `packages/cli/bin/ewsdav.js`.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const n = Number(process.argv[2] ?? 10_000);
const bin = new URL("../packages/cli/bin/ewsdav.js", import.meta.url).pathname;

function card(i: number): string {
  return ["BEGIN:VCARD", "VERSION:4.0", `UID:noop-${i}`, `FN:Contact ${i}`, `N:${i};Contact;;;`, `EMAIL;TYPE=work:contact${i}@example.com`, "END:VCARD", ""].join("\r\n");
}

/** Runs the command under /usr/bin/time: wall ms, CPU s, peak RSS MiB. */
function timed(args: string[]): { wall: number; cpu: number; rss: number } {
  const t0 = performance.now();
  const r = spawnSync("/usr/bin/time", ["-f", "%U %S %M", process.execPath, bin, ...args], { encoding: "utf8" });
  const wall = performance.now() - t0;
  if (r.status !== 0) throw new Error(`ewsdav ${args.join(" ")} exited ${r.status}: ${r.stdout.slice(0, 1000)} ${r.stderr.slice(0, 1000)}`);
  const [user, sys, kb] = r.stderr.trim().split("\n").at(-1)!.split(" ").map(Number);
  return { wall, cpu: user! + sys!, rss: kb! / 1024 };
}

const show = (label: string, m: { wall: number; cpu: number; rss: number }) =>
  console.log(`${label.padEnd(22)} wall ${m.wall.toFixed(0).padStart(6)} ms  CPU ${m.cpu.toFixed(2)} s  peak RSS ${m.rss.toFixed(0)} MiB`);

const dir = mkdtempSync(join(tmpdir(), "ewsdav-noop-"));
try {
  mkdirSync(join(dir, "a", "cards"), { recursive: true });
  writeFileSync(join(dir, "a", "cards", ".ewsdav-kind"), "contacts\n");
  for (let i = 0; i < n; i++) writeFileSync(join(dir, "a", "cards", `noop-${i}.vcf`), card(i));
  const config = join(dir, "ewsdav.json");
  writeFileSync(
    config,
    JSON.stringify({
      state: "state.db",
      accounts: { server: { type: "vdir", path: "a" }, files: { type: "vdir", path: "b" } },
      pairs: [{ kind: "contacts", remote: { account: "server", folder: "cards" }, local: { account: "files", collection: "cards", create: true } }],
    }),
  );
  console.log(`ewsdav sync, vdir (${n} contacts) ↔ vdir, SQLite state`);
  show("--version", timed(["--version"]));
  show("first sync", timed(["sync", "--config", config, "--json"]));
  show("after (echoes)", timed(["sync", "--config", config, "--json"]));
  const runs = [0, 1, 2].map(() => timed(["sync", "--config", config, "--json"]));
  show("no-op (best of 3)", runs.sort((a, b) => a.wall - b.wall)[0]!);
  if (process.env.NOOP_PROFILE) {
    const r = spawnSync(process.execPath, ["--cpu-prof", `--cpu-prof-dir=${process.env.NOOP_PROFILE}`, "--cpu-prof-name=noop.cpuprofile", bin, "sync", "--config", config, "--json"], { encoding: "utf8" });
    console.log(`profile of a no-op in ${process.env.NOOP_PROFILE}/noop.cpuprofile (exit ${r.status})`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
