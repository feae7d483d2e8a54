import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { mapText } from "./map.js";

const run = promisify(execFile);

const VCF = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:A Person\r\nN:Person;A;;;\r\nEMAIL;TYPE=WORK:a@x.example\r\nX-FOO:bar\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:4.0\r\nFN:B Person\r\nBDAY:garbage\r\nEND:VCARD\r\n";
const ICS = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VTODO\r\nUID:t1\r\nSUMMARY:Task one\r\nEND:VTODO\r\nBEGIN:VTODO\r\nUID:t2\r\nSUMMARY:Task two\r\nSTATUS:IN-PROCESS\r\nEND:VTODO\r\nBEGIN:VEVENT\r\nUID:e1\r\nDTSTART:20260105T090000Z\r\nDTEND:20260105T100000Z\r\nSUMMARY:Meeting\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

describe("npm run map", () => {
  it("maps every contact of a .vcf, with items, round-tripped text and dropped lists", () => {
    const objects = mapText(VCF);
    expect(objects).toHaveLength(2);
    expect(objects[0]).toMatchObject({ kind: "contact", item: { displayName: "A Person", emailAddresses: { EmailAddress1: { address: "a@x.example" } } }, dropped: [{ property: "X-FOO" }], mergeIsEcho: true });
    expect(objects[0]!.roundTripped).toContain("VERSION:3.0");
    expect(objects[1]).toMatchObject({ kind: "contact", dropped: [{ property: "BDAY", error: { code: "INVALID_VALUE" } }] });
  });

  it("maps every task of an .ics and gives every event an entry", () => {
    const objects = mapText(ICS);
    expect(objects.filter((object) => object.kind === "task").map((object) => (object.item as { subject: string }).subject)).toEqual(["Task one", "Task two"]);
    const event = objects.find((object) => object.kind === "event");
    expect(event).toBeDefined();
    if (event?.error) expect(event.error.reason).toBe("events not supported yet");
    else expect(event?.item).toMatchObject({ subject: "Meeting" });
  });

  it("runs as a command and prints JSON", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ewsdav-map-"));
    const file = join(dir, "contacts.vcf");
    writeFileSync(file, VCF);
    const { stdout } = await run("npx", ["tsx", "examples/map/main.ts", file], { cwd: join(import.meta.dirname, "../.."), timeout: 60_000 });
    const printed = JSON.parse(stdout) as Array<{ kind: string }>;
    expect(printed.map((object) => object.kind)).toEqual(["contact", "contact"]);
  });
});
