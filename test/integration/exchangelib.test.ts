/**
 * Issue 13 item 7: an EWS client written independently of ewsdav drives the simulator.
 *
 * exchangelib (Debian `python3-exchangelib`, installed here when running as root) runs
 * test/harness/exchangelib/drive_simulator.py against the simulator over HTTP with Basic auth, the
 * endpoint given directly (no autodiscover) and the version given (Exchange2016). The script
 * prints one JSON line per check; this test asserts on them: folders, ConvertId, sync over pages (every item
 * of an initial sync is a Create, also one modified before and after the first page; a window's
 * created-then-modified item is one Create, created-then-deleted nothing), CRUD of contacts,
 * events and tasks, a stale ChangeKey refused with ErrorIrresolvableConflict, occurrences (moving
 * one sends StartTimeZone/EndTimeZone, deleting one, saving one with every writable field as
 * exchangelib's own test against Exchange Online does) — and every exchange validates against the
 * official schema.
 */
import { execFileSync, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import { EWS_SCHEMA_DIR } from "../harness/ews-schema.js";
import { ensureDebianPackages } from "../harness/debian.js";

// Debian's interpreter, where python3-exchangelib installs (a python3 earlier on PATH may not see it).
const PYTHON = "/usr/bin/python3";
const SCRIPT = fileURLToPath(new URL("../harness/exchangelib/drive_simulator.py", import.meta.url));

function hasExchangelib(): boolean {
  try {
    execFileSync(PYTHON, ["-c", "import exchangelib"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Installs python3-exchangelib when root; otherwise fails naming the package. */
function ensureExchangelib(): void {
  ensureDebianPackages("exchangelib", ["python3-exchangelib"], hasExchangelib);
}

type Check = Record<string, unknown> & { check: string; error?: string };

function runScript(env: Record<string, string>): Promise<{ checks: Map<string, Check>; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [SCRIPT], { env: { ...process.env, ...env, PYTHONDONTWRITEBYTECODE: "1" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", () => {
      const checks = new Map<string, Check>();
      for (const line of stdout.split("\n")) {
        if (!line.startsWith("{")) continue;
        const parsed = JSON.parse(line) as Check;
        checks.set(parsed.check, parsed);
      }
      resolve({ checks, output: `${stdout}\n${stderr}` });
    });
  });
}

describe("exchangelib drives the EWS simulator (issue 13 item 7)", () => {
  let sim: EwsSimulator;
  let checks: Map<string, Check>;
  let output: string;

  beforeAll(async () => {
    ensureExchangelib();
    sim = await startEwsSimulator({ seed: "small" });
    ({ checks, output } = await runScript({ EWS_URL: sim.url, EWS_USER: "alice@example.com", EWS_PASSWORD: "secret" }));
  });
  afterAll(() => sim?.stop());

  const check = (name: string): Check => {
    const found = checks.get(name);
    expect(found, `no output for check '${name}':\n${output}`).toBeDefined();
    expect(found!.error, `check '${name}' raised`).toBeUndefined();
    return found!;
  };

  it("runs to the end", () => {
    expect(checks.has("done"), output).toBe(true);
  });

  it("lists the calendar, contacts and tasks folders", () => {
    expect(check("folders")).toMatchObject({ calendar: "Calendar", contacts: "Contacts", tasks: "Tasks", calendar_class: "IPF.Appointment" });
    expect(check("folders").children).toEqual(expect.arrayContaining(["Calendar", "Contacts", "Tasks", "Inbox"]));
  });

  it("converts a folder id to HexEntryId and back (ConvertId)", () => {
    expect(check("convert_ids")).toMatchObject({ hex_length: 92, mailbox: "alice@example.com", round_trip: true });
  });

  it("sync_items over pages: every item of the initial sync is a Create, also one changed before and after the first page", () => {
    const sync = check("sync");
    const initial = sync.initial as Array<[string, string]>;
    expect(initial.map(([type]) => type)).toEqual(["create", "create", "create", "create", "create"]);
    expect(initial.map(([, name]) => name).sort()).toEqual(["A", "B", "C", "D", "E"]);
    expect(sync.quiet).toBe(0);
    expect(sync.window).toEqual([["create", "F"]]);
  });

  it("creates, reads, finds, updates and deletes a contact", () => {
    expect(check("contacts")).toMatchObject({ created: "Ann", email: "ann@example.org", job_title: "Engineer", found: true, after_delete: false });
  });

  it("creates, updates, views and deletes an event in its time zone", () => {
    expect(check("events")).toMatchObject({ start: "2026-05-04T08:00:00+00:00", location: "Room 2", view: ["exchangelib event"], start_tz: "Europe/Berlin", remaining: 0 });
  });

  it("a save with a stale ChangeKey is refused with ErrorIrresolvableConflict", () => {
    expect(check("stale")).toMatchObject({ outcome: "ErrorIrresolvableConflict", surname: "First writer" });
  });

  it("moves one occurrence (Start/End with StartTimeZone/EndTimeZone) and deletes another", () => {
    const occ = check("occurrences");
    expect(occ).toMatchObject({ moved: "saved", deleted: "deleted", original: "2026-06-08T07:00:00+00:00" });
    expect(occ.modified).toEqual(["2026-06-08T09:00:00+00:00"]);
    expect(occ.deleted_occurrences).toEqual(["2026-06-15T07:00:00+00:00"]);
    expect(occ.view).toEqual(["2026-06-01T07:00:00+00:00", "2026-06-08T09:00:00+00:00", "2026-06-22T07:00:00+00:00", "2026-06-29T07:00:00+00:00"]);
    const moves = sim.exchanges.filter((e) => e.operation === "UpdateItem" && e.requestXml.includes("calendar:StartTimeZone"));
    expect(moves.length).toBeGreaterThan(0);
  });

  it("saves an occurrence unfolded from a calendar view with every writable field, as exchangelib's own live-Exchange test does", () => {
    expect(check("occurrence_full_save")).toMatchObject({ saved: "saved", modified: 1, count: 4, second_type: "Exception", second_start: "2026-09-08T07:00:00+00:00" });
  });

  it("creates, updates and deletes a task", () => {
    expect(check("tasks")).toMatchObject({ subject: "exchangelib task", due: "2026-07-01", status: "InProgress", percent: "50", remaining: 0 });
  });

  it("every request and response of the run validates against the official schema", async () => {
    expect(await sim.validateExchanges(EWS_SCHEMA_DIR)).toEqual([]);
  });
});
