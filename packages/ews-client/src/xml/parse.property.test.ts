/**
 * Properties of the safe parser on generated SOAP responses (SyncFolderItems-shaped, with text that
 * holds markup characters, references and non-ASCII): a well-formed document parses and keeps its
 * text; any strict prefix of it (a body cut anywhere) is refused, never parsed as complete; any
 * mutation is either parsed or refused with the typed `XmlSecurityError`, never another error.
 *
 * In the suite it runs a fixed number of inputs under the suite's fixed fast-check seed. With
 * `EWSDAV_FUZZ` set it runs for `EWSDAV_FUZZ_SECONDS` (default 60) from `EWSDAV_FUZZ_SEED`, and
 * appends its report line to `EWSDAV_FUZZ_REPORT` when that names a file.
 */
import { appendFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { XmlSecurityError } from "../errors.js";
import { escapeXml } from "./escape.js";
import { parseXml } from "./parse.js";

const FUZZ = (process.env.EWSDAV_FUZZ ?? "") !== "" && process.env.EWSDAV_FUZZ !== "0";
const SECONDS = Number(process.env.EWSDAV_FUZZ_SECONDS ?? 60);
const SEED = Number(process.env.EWSDAV_FUZZ_SEED ?? 1);

const text = fc.string({ unit: fc.constantFrom("a", "Z", " ", "<", ">", "&", '"', "'", "é", "🎉", "\t", "]]>", "&#x1;", "/"), maxLength: 12 });
const change = fc.record({ kind: fc.constantFrom("Create", "Update", "Delete"), id: fc.string({ unit: fc.constantFrom("A", "b", "0", "+", "/", "="), minLength: 1, maxLength: 16 }), name: text });

function document(changes: ReadonlyArray<{ kind: string; id: string; name: string }>, comment: boolean): string {
  const body = changes
    .map((c) =>
      c.kind === "Delete"
        ? `<t:Delete><t:ItemId Id="${escapeXml(c.id)}"/></t:Delete>`
        : `<t:${c.kind}><t:Contact><t:ItemId Id="${escapeXml(c.id)}" ChangeKey="k"/><t:DisplayName>${escapeXml(c.name)}</t:DisplayName></t:Contact></t:${c.kind}>`,
    )
    .join(comment ? "<!-- between -->" : "\r\n");
  return (
    `<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>` +
    `<m:SyncFolderItemsResponse xmlns:m="m" xmlns:t="t"><m:ResponseMessages><m:SyncFolderItemsResponseMessage ResponseClass="Success">` +
    `<m:ResponseCode>NoError</m:ResponseCode><m:SyncState>H4sIA+state</m:SyncState><m:IncludesLastItemInRange>true</m:IncludesLastItemInRange>` +
    `<m:Changes>${body}</m:Changes></m:SyncFolderItemsResponseMessage></m:ResponseMessages></m:SyncFolderItemsResponse></s:Body></s:Envelope>`
  );
}

const changesOf = (root: ReturnType<typeof parseXml>) => root.children[0]!.children[0]!.children[0]!.children[0]!.children.find((c) => c.name === "Changes")!;

const mutation = fc.record({
  at: fc.nat(),
  remove: fc.nat({ max: 8 }),
  insert: fc.string({ unit: fc.constantFrom("<", ">", "/", "&", ";", "#", "x", "0", "D800", "FFFE", "!--", "]]>", '"', "a", "</t:Create>", "<t:Create>"), maxLength: 4 }),
});

interface Tally {
  inputs: number;
  found: string[];
}

function check<T>(name: string, property: fc.IProperty<T>, suiteRuns: number, tally: Tally): void {
  const parameters: fc.Parameters<T> = FUZZ ? { seed: SEED, numRuns: Number.MAX_SAFE_INTEGER, interruptAfterTimeLimit: (SECONDS * 1000) / 3 } : { numRuns: suiteRuns };
  const details = fc.check(property, parameters) as fc.RunDetails<T>;
  tally.inputs += details.numRuns;
  if (details.failed) tally.found.push(`${name}: ${fc.stringify(details.counterexample)} (${String(details.errorInstance).slice(0, 200)})`);
}

describe("safe XML parser, generated responses", () => {
  it("parses well-formed responses, refuses every cut, and refuses mutations only with XmlSecurityError", () => {
    const tally: Tally = { inputs: 0, found: [] };
    check(
      "well-formed",
      fc.property(fc.array(change, { maxLength: 6 }), fc.boolean(), (changes, comment) => {
        const root = parseXml(document(changes, comment));
        const parsed = changesOf(root).children;
        expect(parsed.map((c) => c.name)).toEqual(changes.map((c) => c.kind));
        parsed.forEach((c, i) => {
          if (changes[i]!.kind !== "Delete") expect(c.children[0]!.children[1]!.text).toBe(changes[i]!.name);
        });
      }),
      150,
      tally,
    );
    check(
      "cut",
      fc.property(fc.array(change, { minLength: 1, maxLength: 4 }), fc.boolean(), fc.double({ min: 0, max: 1, noNaN: true }), (changes, comment, where) => {
        const full = document(changes, comment);
        const at = Math.min(full.length - 1, Math.floor(where * full.length));
        let error: unknown;
        try {
          parseXml(full.slice(0, at));
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(XmlSecurityError);
        expect(["truncated", "malformed"]).toContain((error as XmlSecurityError).rule);
      }),
      300,
      tally,
    );
    check(
      "mutated",
      fc.property(fc.array(change, { minLength: 1, maxLength: 4 }), fc.array(mutation, { minLength: 1, maxLength: 3 }), (changes, mutations) => {
        let doc = document(changes, false);
        for (const m of mutations) {
          const at = m.at % (doc.length + 1);
          doc = doc.slice(0, at) + m.insert + doc.slice(at + m.remove);
        }
        try {
          parseXml(doc);
        } catch (e) {
          expect(e).toBeInstanceOf(XmlSecurityError);
        }
      }),
      300,
      tally,
    );
    const report = process.env.EWSDAV_FUZZ_REPORT;
    if (FUZZ && report) appendFileSync(report, `${JSON.stringify({ name: "ews-client xml parser", seed: SEED, tried: { inputs: tally.inputs }, found: tally.found })}\n`);
    expect(tally.found).toEqual([]);
  }, FUZZ ? (SECONDS + 60) * 1000 : undefined);
});
