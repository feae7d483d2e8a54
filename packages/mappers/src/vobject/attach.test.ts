/**
 * ATTACH ⇄ file attachments for tasks (new in issue 13 item 2) and the shared rules: binary
 * ATTACH becomes a file, URI ATTACH is reported, writing EWS's files onto a base keeps URI
 * attachments and unchanged binaries as spelled, and an override's own ATTACH is reported.
 */
import { describe, expect, it } from "vitest";
import { eventFromVEvent } from "../event/index.js";
import { taskFromVTodo, taskToVTodo } from "../task/index.js";

const todo = (extra: string[]) =>
  ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//t//EN", "BEGIN:VTODO", "UID:t1", "DTSTAMP:20260101T000000Z", "SUMMARY:T", ...extra, "END:VTODO", "END:VCALENDAR", ""].join("\r\n");
const unfolded = (text: string) => text.replace(/\r\n[ \t]/g, "");

describe("task ATTACH", () => {
  it("reads binary ATTACH as file attachments (name from X-FILENAME or FILENAME, type from FMTTYPE) and reports a URI", () => {
    const r = taskFromVTodo(todo([
      "ATTACH;ENCODING=BASE64;VALUE=BINARY;FMTTYPE=text/plain;X-FILENAME=a.txt:aGVsbG8=",
      "ATTACH;VALUE=BINARY;ENCODING=BASE64;FILENAME=b.bin:AAEC",
      "ATTACH:https://example.org/c.pdf",
    ]));
    expect(r.item.attachments).toEqual([
      { kind: "file", name: "a.txt", contentType: "text/plain", content: "aGVsbG8=" },
      { kind: "file", name: "b.bin", contentType: "application/octet-stream", content: "AAEC" },
    ]);
    expect(r.dropped.filter((d) => d.property === "ATTACH")).toMatchObject([{ value: "https://example.org/c.pdf", reason: expect.stringMatching(/reference attachments/) }]);
  });

  it("writes Exchange's files as binary ATTACH, keeps URI and unchanged ATTACH of the base as spelled, removes files Exchange no longer has", () => {
    const base = todo([
      "ATTACH;ENCODING=BASE64;VALUE=BINARY;FMTTYPE=text/plain;X-FILENAME=a.txt;X-CLIENT=kept:aGVsbG8=",
      "ATTACH;ENCODING=BASE64;VALUE=BINARY;X-FILENAME=gone.txt:Z29uZQ==",
      "ATTACH:https://example.org/c.pdf",
    ]);
    const item = taskFromVTodo(base).item;
    const files = [
      { kind: "file" as const, name: "a.txt", contentType: "text/plain", content: "aGVsbG8=" },
      { kind: "file" as const, name: "new.png", contentType: "image/png", content: "iVBORw==" },
    ];
    const r = taskToVTodo({ ...item, attachments: files }, { base });
    const attach = unfolded(r.text).split("\r\n").filter((l) => l.startsWith("ATTACH"));
    expect(attach).toHaveLength(3);
    expect(attach.some((l) => l.includes("X-CLIENT=kept") && l.endsWith(":aGVsbG8="))).toBe(true);
    expect(attach.some((l) => l === "ATTACH:https://example.org/c.pdf")).toBe(true);
    expect(attach.some((l) => /FMTTYPE=image\/png/.test(l) && /X-FILENAME=new\.png/.test(l) && l.endsWith(":iVBORw=="))).toBe(true);
    expect(r.dropped.some((d) => d.property.startsWith("Attachments"))).toBe(false);
  });

  it("leaves the base's ATTACH alone when a file's content was not fetched, and says so", () => {
    const base = todo(["ATTACH;ENCODING=BASE64;VALUE=BINARY;X-FILENAME=a.txt:aGVsbG8="]);
    const r = taskToVTodo({ subject: "T", attachments: [{ kind: "file", name: "a.txt", size: 5 }] }, { base });
    expect(unfolded(r.text)).toContain("X-FILENAME=a.txt:aGVsbG8=");
    expect(r.dropped).toContainEqual(expect.objectContaining({ property: "Attachments", reason: expect.stringMatching(/not fetched/) }));
  });
});

describe("event ATTACH on a series", () => {
  it("reports an override's own ATTACH (attachments live on the master)", () => {
    const text = [
      "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//t//EN",
      "BEGIN:VEVENT", "UID:s1", "DTSTAMP:20260101T000000Z", "DTSTART:20260105T090000Z", "DTEND:20260105T093000Z", "SUMMARY:S", "RRULE:FREQ=DAILY;COUNT=3",
      "ATTACH;ENCODING=BASE64;VALUE=BINARY;X-FILENAME=m.txt:bWFzdGVy", "END:VEVENT",
      "BEGIN:VEVENT", "UID:s1", "DTSTAMP:20260101T000000Z", "RECURRENCE-ID:20260106T090000Z", "DTSTART:20260106T100000Z", "DTEND:20260106T103000Z", "SUMMARY:S moved",
      "ATTACH;ENCODING=BASE64;VALUE=BINARY;X-FILENAME=o.txt:b3duIGZpbGU=", "END:VEVENT",
      "END:VCALENDAR", "",
    ].join("\r\n");
    const r = eventFromVEvent(text, { timeZone: "UTC" });
    expect(r.item.attachments).toEqual([{ kind: "file", name: "m.txt", contentType: "application/octet-stream", content: "bWFzdGVy" }]);
    expect(r.dropped).toContainEqual(expect.objectContaining({ property: "ATTACH", reason: expect.stringMatching(/series master only/) }));
  });
});
