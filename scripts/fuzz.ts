/**
 * `npm run fuzz -- --minutes N [--seed S] [--only <file>]… [--seconds B] [--list]`: the long, randomly seeded
 * versions of the tests that have one, within a time budget.
 *
 * It finds every test file that follows the fuzz convention (it reads `EWSDAV_FUZZ`, or uses the
 * harness that does, test/harness/fuzz-env.ts, or runs fast-check properties, which the suite's
 * setup file seeds from `EWSDAV_FUZZ_SEED`) under packages/<name>/src, packages/<name>/test,
 * test/ and examples/, shares the minutes between them, and runs them one at a time through vitest with
 * `EWSDAV_FUZZ=1`, a seed (`EWSDAV_FUZZ_SEED`, printed), a time budget (`EWSDAV_FUZZ_SECONDS`) and
 * a report file (`EWSDAV_FUZZ_REPORT`) to which each test appends one JSON line: what it tried
 * (runs, kills, inputs…) and what it found. While time remains it starts again with new seeds.
 * At the end it prints, per test, what was tried with which seeds, and every finding with the
 * command that replays it (`npm run fuzz -- --seed S --only <file> --seconds B`: the first run of a
 * file uses the given seed; `--seconds` gives every run that budget instead of a share of the
 * minutes, and without `--minutes` each file runs once). The exit code is 1 when something was found, 2 for bad arguments.
 *
 * Each vitest run's output goes to a log file in the run folder (printed), not to the console.
 */
import { spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { seededRandom, type FuzzReportLine } from "../test/harness/fuzz-env.js";

/** The repository root. */
export const ROOT = fileURLToPath(new URL("../", import.meta.url));

/** Folders searched for fuzzable tests, relative to the root (`*` matches one folder name). */
export const SEARCHED = ["packages/*/src", "packages/*/test", "test", "examples"];

/** Whether a test file's text follows the fuzz convention. */
export function readsFuzzEnvironment(text: string): boolean {
  // This script's own test mentions the variables without being a fuzz test.
  if (/from\s+["'][^"']*scripts\/fuzz(?:\.js|\.ts)?["']/.test(text)) return false;
  if (/\bEWSDAV_FUZZ(?:_[A-Z]+)?\b/.test(text) || /from\s+["'][^"']*harness\/fuzz-env(?:\.js|\.ts)?["']/.test(text)) return true;
  // A fast-check property: the suite's setup file (test/harness/fast-check-setup.ts) runs it from
  // EWSDAV_FUZZ_SEED with more runs in fuzz mode, so it gets new seeds here too.
  return /from\s+["']fast-check["']/.test(text) && /\bfc\.(?:assert|check)\(/.test(text);
}

function walk(dir: string, out: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name === "dist" || entry.name.startsWith(".")) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, out);
    else if (entry.isFile() && entry.name.endsWith(".test.ts")) out.push(path);
  }
}

/** The fuzzable test files under `root`, as sorted paths relative to it (with `/`). */
export function findFuzzTests(root: string = ROOT): string[] {
  const dirs: string[] = [];
  for (const pattern of SEARCHED) {
    const [first, star, ...rest] = pattern.split("/");
    if (star === "*") {
      const base = join(root, first!);
      if (!existsSync(base)) continue;
      for (const name of readdirSync(base)) dirs.push(join(base, name, ...rest));
    } else dirs.push(join(root, pattern));
  }
  const files: string[] = [];
  for (const dir of dirs) if (existsSync(dir) && statSync(dir).isDirectory()) walk(dir, files);
  return [...new Set(files)]
    .filter((f) => readsFuzzEnvironment(readFileSync(f, "utf8")))
    .map((f) => relative(root, f).split(sep).join("/"))
    .sort();
}

/** The seeds of one file's runs: the given (or first) seed, then a seeded sequence from it. */
export function seedSequence(first: number): () => number {
  const random = seededRandom(first);
  let n = 0;
  return () => (n++ === 0 ? first : Math.floor(random() * 2 ** 31));
}

/**
 * The time budget of the next run: what is left, shared by the files still to run in this pass,
 * less the file's measured overhead (start-up and checks beyond its budget); at least `minimum`.
 * Null when what is left cannot hold a run of the minimum budget plus its overhead.
 */
export function nextBudgetSeconds(leftSeconds: number, filesLeftInPass: number, overheadSeconds: number, minimum = 5): number | null {
  if (leftSeconds < minimum + overheadSeconds) return null;
  return Math.max(minimum, Math.floor(leftSeconds / Math.max(1, filesLeftInPass) - overheadSeconds));
}

/** Parses the report lines a run appended (malformed lines are findings, not crashes). */
export function parseReport(text: string): { lines: FuzzReportLine[]; malformed: string[] } {
  const lines: FuzzReportLine[] = [];
  const malformed: string[] = [];
  for (const raw of text.split("\n")) {
    if (!raw.trim()) continue;
    try {
      const line = JSON.parse(raw) as FuzzReportLine;
      if (typeof line.name !== "string" || !Array.isArray(line.found) || typeof line.tried !== "object") throw new Error("not a report line");
      lines.push(line);
    } catch {
      malformed.push(raw.slice(0, 200));
    }
  }
  return { lines, malformed };
}

/** One vitest run of one file. */
export interface FuzzRun {
  file: string;
  seed: number;
  seconds: number;
  /** vitest's exit code (null: killed after its time ran out). */
  exitCode: number | null;
  /** The report lines it appended. */
  lines: FuzzReportLine[];
  /** Findings of this run: the report lines' plus a failed run without any. */
  found: string[];
  log: string;
  wallSeconds: number;
}

/** What a fuzz session tried and found, per test name (file when a run wrote no line). */
export interface FuzzSummary {
  tests: Array<{ file: string; name: string; runs: number; seeds: number[]; tried: Record<string, number> }>;
  findings: Array<{ file: string; seed: number; finding: string; replay: string }>;
}

/** Folds runs into a summary. */
export function summarise(runs: readonly FuzzRun[]): FuzzSummary {
  const tests = new Map<string, FuzzSummary["tests"][number]>();
  const findings: FuzzSummary["findings"] = [];
  for (const run of runs) {
    const names = run.lines.length ? run.lines : [{ name: run.file, seed: run.seed, tried: {}, found: [] }];
    for (const line of names) {
      const key = `${run.file}\0${line.name}`;
      const t = tests.get(key) ?? { file: run.file, name: line.name, runs: 0, seeds: [], tried: {} };
      t.runs++;
      if (!t.seeds.includes(run.seed)) t.seeds.push(run.seed);
      for (const [what, n] of Object.entries(line.tried)) if (typeof n === "number") t.tried[what] = (t.tried[what] ?? 0) + n;
      tests.set(key, t);
    }
    for (const finding of run.found) findings.push({ file: run.file, seed: run.seed, finding, replay: `npm run fuzz -- --seed ${run.seed} --only ${run.file} --seconds ${run.seconds}` });
  }
  return { tests: [...tests.values()], findings };
}

/** Findings printed per run (all of them are in the run's report file). */
export const FINDINGS_SHOWN = 5;

/** The summary as printed. */
export function formatSummary(summary: FuzzSummary, seconds: number): string {
  const runs = summary.tests.reduce((n, t) => n + t.runs, 0);
  const out: string[] = [`fuzz: ${runs} vitest run${runs === 1 ? "" : "s"} in ${Math.round(seconds)} s`, "tried:"];
  for (const t of summary.tests) {
    const tried = Object.entries(t.tried).map(([what, n]) => `${n} ${what}`).join(", ") || "no report line";
    out.push(`  ${t.name} (${t.file}): ${t.runs} vitest run${t.runs === 1 ? "" : "s"}, tried ${tried}; seeds ${t.seeds.join(", ")}`);
  }
  if (summary.findings.length === 0) out.push("found: nothing");
  else {
    out.push(`found: ${summary.findings.length}`);
    // Per run: its first findings and how to replay them (the rest are in its report file).
    const byRun = new Map<string, FuzzSummary["findings"]>();
    for (const f of summary.findings) byRun.set(f.replay, [...(byRun.get(f.replay) ?? []), f]);
    for (const [replay, list] of byRun) {
      out.push(`  ${list[0]!.file} seed ${list[0]!.seed}:`);
      for (const f of list.slice(0, FINDINGS_SHOWN)) out.push(`    ${f.finding}`);
      if (list.length > FINDINGS_SHOWN) out.push(`    … and ${list.length - FINDINGS_SHOWN} more`);
      out.push(`    replay: ${replay}`);
    }
  }
  return out.join("\n");
}

/** Runs one file through vitest in fuzz mode; `hardLimitSeconds` kills a run that overstays. */
export async function runOne(file: string, seed: number, seconds: number, dir: string, hardLimitSeconds: number): Promise<FuzzRun> {
  const stamp = `${file.replace(/[^A-Za-z0-9]+/g, "_")}-${seed}`;
  const report = join(dir, `${stamp}.jsonl`);
  const log = join(dir, `${stamp}.log`);
  const started = Date.now();
  const out = createWriteStream(log);
  const child = spawn(process.execPath, [join(ROOT, "node_modules", "vitest", "vitest.mjs"), "run", file], {
    cwd: ROOT,
    env: { ...process.env, EWSDAV_FUZZ: "1", EWSDAV_FUZZ_SEED: String(seed), EWSDAV_FUZZ_SECONDS: String(seconds), EWSDAV_FUZZ_REPORT: report },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group, so a run that overstays is stopped with everything it started
  });
  child.stdout!.pipe(out, { end: false });
  child.stderr!.pipe(out, { end: false });
  let overstayed = false;
  const timer = setTimeout(() => {
    overstayed = true;
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      child.kill("SIGKILL");
    }
  }, hardLimitSeconds * 1000);
  const exitCode = await new Promise<number | null>((resolveExit) => child.on("close", (code) => resolveExit(code)));
  clearTimeout(timer);
  out.end();
  const { lines, malformed } = parseReport(existsSync(report) ? readFileSync(report, "utf8") : "");
  const found = lines.flatMap((l) => l.found.map((f) => (f.startsWith(l.name) ? f : `${l.name}: ${f}`)));
  for (const m of malformed) found.push(`malformed report line: ${m}`);
  if (overstayed) found.push(`the run did not end within ${hardLimitSeconds} s and was killed (log ${log})`);
  else if (exitCode !== 0 && found.length === 0) found.push(`vitest exited with code ${exitCode} (log ${log})`);
  return { file, seed, seconds, exitCode: overstayed ? null : exitCode, lines, found, log, wallSeconds: (Date.now() - started) / 1000 };
}

async function main(): Promise<void> {
  let values: { minutes?: string; seed?: string; only?: string[]; seconds?: string; list?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: { minutes: { type: "string" }, seed: { type: "string" }, only: { type: "string", multiple: true }, seconds: { type: "string" }, list: { type: "boolean" }, help: { type: "boolean", short: "h" } },
      strict: true,
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\nUsage: npm run fuzz -- --minutes N [--seed S] [--only <file>]… [--seconds B] [--list]`);
    process.exit(2);
  }
  if (values.help) {
    console.log("Usage: npm run fuzz -- --minutes N [--seed S] [--only <file>]… [--seconds B] [--list]");
    return;
  }
  let files = findFuzzTests();
  if (values.only?.length) {
    const wanted = values.only.map((f) => relative(ROOT, resolve(f)).split(sep).join("/"));
    const unknown = wanted.filter((w) => !files.includes(w));
    if (unknown.length) {
      console.error(`not a fuzzable test file: ${unknown.join(", ")}\nfuzzable: ${files.join(", ") || "(none)"}`);
      process.exit(2);
    }
    files = wanted;
  }
  if (values.list) {
    for (const f of files) console.log(f);
    return;
  }
  const minutes = values.minutes === undefined ? (values.seed !== undefined || values.seconds !== undefined ? 0 : Number.NaN) : Number(values.minutes);
  if (!(minutes >= 0)) {
    console.error("--minutes N is required (a number ≥ 0); with --seed or --seconds alone, each file runs once");
    process.exit(2);
  }
  const fixedSeconds = values.seconds === undefined ? undefined : Number(values.seconds);
  if (fixedSeconds !== undefined && !(fixedSeconds > 0)) {
    console.error(`--seconds must be a positive number, got "${values.seconds}"`);
    process.exit(2);
  }
  const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number.parseInt(values.seed, 10);
  if (!Number.isSafeInteger(seed)) {
    console.error(`--seed must be an integer, got "${values.seed}"`);
    process.exit(2);
  }
  if (files.length === 0) {
    console.log("fuzz: no test file reads EWSDAV_FUZZ; nothing to run");
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "ewsdav-fuzz-"));
  mkdirSync(dir, { recursive: true });
  console.log(`fuzz: seed ${seed}, ${minutes} min, ${files.length} file(s): ${files.join(", ")}\nfuzz: logs and reports in ${dir}`);
  const started = Date.now();
  const deadline = started + minutes * 60_000;
  const seeds = new Map(files.map((f) => [f, seedSequence(seed)]));
  const overhead = new Map(files.map((f) => [f, 15]));
  const runs: FuzzRun[] = [];
  let stop = false;
  for (let pass = 0; !stop; pass++) {
    for (const [i, file] of files.entries()) {
      const left = (deadline - Date.now()) / 1000;
      // Every file runs at least once, even when the minutes are few (its budget is then the minimum).
      const shared = nextBudgetSeconds(left, files.length - i, overhead.get(file)!);
      const budget = fixedSeconds !== undefined ? (pass === 0 || shared !== null ? fixedSeconds : null) : (shared ?? (pass === 0 ? 5 : null));
      if (budget === null) {
        stop = true;
        break;
      }
      const runSeed = seeds.get(file)!();
      console.log(`fuzz: ${file} seed ${runSeed}, ${budget} s …`);
      const run = await runOne(file, runSeed, budget, dir, budget + 900);
      runs.push(run);
      overhead.set(file, Math.max(5, Math.round(run.wallSeconds - budget)));
      const tried = run.lines.map((l) => `${l.name}: ${Object.entries(l.tried).filter(([, n]) => n !== undefined).map(([k, n]) => `${n} ${k}`).join(", ")}`).join("; ");
      console.log(`fuzz:   ${run.found.length ? `FOUND ${run.found.length}` : "ok"} in ${Math.round(run.wallSeconds)} s${tried ? ` (${tried})` : ""}`);
    }
    if (minutes === 0) stop = true;
  }
  const summary = summarise(runs);
  console.log(formatSummary(summary, (Date.now() - started) / 1000));
  process.exitCode = summary.findings.length ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await main();
