import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { contactFromVCard, contactToVCard, MapperError, normalizeVCard, normalizeVTodo, taskFromVTodo, taskToVTodo, vcardHash, vtodoHash } from "./index.js";
import { CONTACT_FIXTURES } from "./contact/client-fixtures.js";
import { TASK_FIXTURES } from "./task/client-fixtures.js";

/** MAPPER_FUZZ_SCALE=20 for a longer hunt; the default keeps the suite fast. */
const FUZZ_SCALE = Number(process.env.MAPPER_FUZZ_SCALE ?? 1);

/** Runs a mapper call: it either returns or throws a MapperError that is not a caught bug. */
function typedOrResult(run: () => unknown): void {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(MapperError);
    expect((error as MapperError).code).not.toBe("INTERNAL_ERROR");
  }
}

/** Every entry point on one text: read, write new, merge onto it, normalise, hash. */
function exerciseContact(text: string): void {
  typedOrResult(() => {
    const { item } = contactFromVCard(text);
    for (const version of ["3.0", "4.0"] as const) contactFromVCard(contactToVCard(item, { version }).text);
    contactFromVCard(contactToVCard(item, { base: text }).text);
  });
  typedOrResult(() => normalizeVCard(text));
  typedOrResult(() => vcardHash(text));
}

function exerciseTask(text: string): void {
  typedOrResult(() => {
    const { item } = taskFromVTodo(text);
    taskFromVTodo(taskToVTodo(item, { now: new Date(0) }).text);
    taskFromVTodo(taskToVTodo(item, { base: text }).text);
  });
  typedOrResult(() => normalizeVTodo(text));
  typedOrResult(() => vtodoHash(text));
}

const SPICY = [":", ";", ",", "=", "\\", '"', "\r\n", "\n", " ", "\t", "^", ".", "-", "T", "Z", "0", "9", "P", "BEGIN:", "END:", "VALUE=RECUR", "VALUE=PERIOD", "TZID=", "ENCODING=QUOTED-PRINTABLE", "=0D=0A", "ü", "\u0000", "\uFDD0", "data:", "tel:", "--", "X-", "item1."];

/** A random edit of a text: delete, insert, duplicate or swap lines, truncate. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 20 }) }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), text: fc.oneof(fc.constantFrom(...SPICY), fc.string({ maxLength: 8 })) }),
  fc.record({ kind: fc.constant("duplicate" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("swap" as const), at: fc.nat(), with: fc.nat() }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
);

function mutate(text: string, edits: Array<typeof mutation extends fc.Arbitrary<infer T> ? T : never>): string {
  let out = text;
  for (const edit of edits) {
    const at = out.length === 0 ? 0 : edit.at % out.length;
    if (edit.kind === "delete") out = out.slice(0, at) + out.slice(at + edit.length);
    else if (edit.kind === "insert") out = out.slice(0, at) + edit.text + out.slice(at);
    else if (edit.kind === "truncate") out = out.slice(0, at);
    else {
      const lines = out.split("\r\n");
      const i = edit.at % lines.length;
      if (edit.kind === "duplicate") lines.splice(i, 0, lines[i]!);
      else {
        const j = edit.with % lines.length;
        [lines[i], lines[j]] = [lines[j]!, lines[i]!];
      }
      out = lines.join("\r\n");
    }
  }
  return out;
}

describe("fuzzing: random and mutated text never crashes the mappers", () => {
  it("random text gives a typed error or a result", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: "binary", maxLength: 300 }), fc.array(fc.constantFrom(...SPICY), { maxLength: 60 }).map((parts) => parts.join(""))), (text) => {
        exerciseContact(text);
        exerciseContact(`BEGIN:VCARD\r\nVERSION:4.0\r\n${text}\r\nEND:VCARD\r\n`);
        exerciseTask(text);
        exerciseTask(`BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\n${text}\r\nEND:VTODO\r\nEND:VCALENDAR\r\n`);
      }),
      { numRuns: 200 * FUZZ_SCALE },
    );
  });

  it("mutated client vCards give a typed error or a result", () => {
    fc.assert(
      fc.property(fc.constantFrom(...CONTACT_FIXTURES.map((fixture) => fixture.text)), fc.array(mutation, { minLength: 1, maxLength: 6 }), (text, edits) => {
        exerciseContact(mutate(text, edits));
      }),
      { numRuns: 250 * FUZZ_SCALE },
    );
  });

  it("mutated client VTODOs give a typed error or a result", () => {
    fc.assert(
      fc.property(fc.constantFrom(...TASK_FIXTURES.map((fixture) => fixture.text)), fc.array(mutation, { minLength: 1, maxLength: 6 }), (text, edits) => {
        exerciseTask(mutate(text, edits));
      }),
      { numRuns: 250 * FUZZ_SCALE },
    );
  });

  it("property values of every kind, with every VALUE type, are read without a crash", () => {
    const names = ["BDAY", "ANNIVERSARY", "TEL", "EMAIL", "ADR", "N", "ORG", "PHOTO", "GENDER", "CATEGORIES", "IMPP", "RELATED", "URL", "UID", "NOTE", "X-ABDATE", "NICKNAME"];
    const todoNames = ["DTSTART", "DUE", "COMPLETED", "DURATION", "PERCENT-COMPLETE", "PRIORITY", "CLASS", "STATUS", "RRULE", "X-EWS-REGENERATION", "TRIGGER", "CATEGORIES", "SUMMARY"];
    const types = ["", ";VALUE=RECUR", ";VALUE=PERIOD", ";VALUE=DATE", ";VALUE=DATE-TIME", ";VALUE=INTEGER", ";VALUE=FLOAT", ";VALUE=BOOLEAN", ";VALUE=DURATION", ";VALUE=UTC-OFFSET", ";VALUE=BINARY", ";VALUE=URI", ";VALUE=TIME", ";TZID=Nowhere/Else", ";RELATED=END"];
    const values = fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom("FREQ=DAILY;COUNT=2", "20260101T000000Z/PT1H", "-PT15M", "P1W", "19800102", "--0102", "tel:+1", "data:image/png;base64,AAAA", "1;2;3", "a,b,c", "TRUE", "+0100", "T102030"));
    fc.assert(
      fc.property(fc.constantFrom(...names), fc.constantFrom(...todoNames), fc.constantFrom(...types), values, (name, todoName, type, value) => {
        exerciseContact(`BEGIN:VCARD\r\nVERSION:3.0\r\nFN:x\r\n${name}${type}:${value}\r\nEND:VCARD\r\n`);
        exerciseContact(`BEGIN:VCARD\r\nVERSION:4.0\r\nFN:x\r\n${name}${type}:${value}\r\nEND:VCARD\r\n`);
        exerciseTask(`BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\nDTSTART:20260101T000000Z\r\n${todoName}${type}:${value}\r\nBEGIN:VALARM\r\nTRIGGER${type}:${value}\r\nEND:VALARM\r\nEND:VTODO\r\nEND:VCALENDAR\r\n`);
      }),
      { numRuns: 300 * FUZZ_SCALE },
    );
  });

  it("a very long and deeply nested text finishes (no loops, no blow-up)", () => {
    const many = `BEGIN:VCARD\r\nVERSION:3.0\r\nFN:x\r\n${"EMAIL:a@b.example\r\n".repeat(5000)}${"BEGIN:X\r\n".repeat(50)}END:VCARD\r\n`;
    exerciseContact(many);
    exerciseTask(`BEGIN:VCALENDAR\r\n${"BEGIN:VTODO\r\n".repeat(200)}SUMMARY:${"x".repeat(100_000)}\r\n`);
    expect(contactFromVCard(many).dropped.length).toBeGreaterThan(4990);
  });
});
