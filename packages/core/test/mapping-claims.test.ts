/**
 * What docs/mapping.md claims, checked against the real EWS side: every mapping row's example is
 * written from its DAV text through `EwsSide` to the EWS simulator over HTTP and read back; then a
 * copy of the item as Exchange holds it is made by another client (`EwsClient.createItem`, with
 * the row's Exchange-only fields set) and read through the EWS side.
 *
 * - Supported: the example comes back equal (normalised) both ways, and nothing is dropped.
 * - Limited: what fits comes back both ways, and the excess is in the write's `dropped`.
 * - Not supported: the property is in the write's `dropped` (Exchange-only fields: in the read's).
 *
 * One item per row, written in one batch per kind: a few round trips for the whole table.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { basicAuth, EwsClient, isEwsError, type FileAttachment, type ParsedItem, type TypedItem } from "@ewsdav/ews-client";
import { startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import { CONTACT_MAPPING_ROWS, EVENT_MAPPING_ROWS, EWSDAV_EXTENDED_PROPERTIES, EWSDAV_UID_PROPERTY, TASK_MAPPING_ROWS, type MappingRow } from "@ewsdav/mappers";
import { SideError, type CollectionKind, type DroppedProperty, type SideItem, type WriteResult } from "@ewsdav/core";
import { EwsSide } from "@ewsdav/core/ews";

/**
 * Rows whose claim does not hold on main yet, and which another branch makes true. The test
 * expects them to fail until then (flip them when it merges).
 */
const EXPECTED_TO_FAIL = new Set<string>([]);

const ROWS: readonly MappingRow[] = [...CONTACT_MAPPING_ROWS, ...EVENT_MAPPING_ROWS, ...TASK_MAPPING_ROWS];
const KIND: Record<MappingRow["kind"], CollectionKind> = { contact: "contacts", event: "events", task: "tasks" };
const ITEM_TYPE = { contacts: "Contact", events: "CalendarItem", tasks: "Task" } as const;
const rowName = (row: MappingRow) => `${row.kind}: ${row.property}`;

/** One property line split into name, parameters and value (quoted parameter values kept whole). */
function parseLine(line: string): { name: string; params: Array<[string, string]>; value: string } {
  let i = 0;
  let quoted = false;
  const parts: string[] = [];
  let start = 0;
  for (; i < line.length; i++) {
    const c = line[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === ";") {
      parts.push(line.slice(start, i));
      start = i + 1;
    } else if (!quoted && c === ":") break;
  }
  parts.push(line.slice(start, i));
  const [name, ...params] = parts;
  return {
    name: name!.toUpperCase(),
    params: params.map((p) => {
      const eq = p.indexOf("=");
      return [p.slice(0, eq).toUpperCase(), p.slice(eq + 1)] as [string, string];
    }),
    value: line.slice(i + 1),
  };
}

/** A line in a comparable form: names and TYPE/VALUE values in one case, parameters and TYPE values sorted. */
function normaliseLine(line: string): string {
  const { name, params, value } = parseLine(line);
  const norm = params
    .flatMap(([k, v]) => (k === "TYPE" ? v.split(",").map((t) => [k, t.toLowerCase()] as [string, string]) : [[k, k === "VALUE" ? v.toLowerCase() : v] as [string, string]]))
    .sort(([a, x], [b, y]) => (a === b ? x.localeCompare(y) : a.localeCompare(b)));
  const merged: Array<[string, string]> = [];
  for (const [k, v] of norm) {
    const last = merged[merged.length - 1];
    if (last && last[0] === k && k === "TYPE") last[1] += `,${v}`;
    else merged.push([k, v]);
  }
  return `${name}${merged.map(([k, v]) => `;${k}=${v}`).join("")}:${value}`;
}

function lines(text: string): string[] {
  return text.replace(/\r?\n[ \t]/g, "").split(/\r?\n/).filter((l) => l !== "");
}

const nameOf = (line: string) => parseLine(line).name;

/** The item a row's example makes: defaults of the kind, replaced by the example's own lines of the same names. */
function itemText(row: MappingRow, n: number): { uid: string; text: string } {
  const example = row.example!;
  const own = [...(example.context ?? []), ...example.dav];
  const ownNames = new Set(own.filter((l) => !/^(BEGIN|END):/i.test(l)).map(nameOf));
  if (ownNames.has("DURATION")) ownNames.add("DTEND"); // a DURATION stands instead of DTEND
  const uid = own.find((l) => nameOf(l) === "UID")?.slice(4) ?? `claim-${row.kind}-${n}@ewsdav.test`;
  const defaults: Record<MappingRow["kind"], string[]> = {
    contact: [`UID:${uid}`, "FN:Claim Example", "N:Example;Claim;;;;"],
    event: [`UID:${uid}`, "DTSTAMP:20260101T000000Z", "DTSTART:20260105T090000Z", "DTEND:20260105T100000Z", "SUMMARY:Claim example"],
    task: [`UID:${uid}`, "DTSTAMP:20260101T000000Z", "SUMMARY:Claim example"],
  };
  const body = [...defaults[row.kind].filter((l) => !ownNames.has(nameOf(l))), ...own];
  if (row.kind === "contact") return { uid, text: ["BEGIN:VCARD", "VERSION:4.0", ...body, "END:VCARD", ""].join("\r\n") };
  const component = row.kind === "event" ? "VEVENT" : "VTODO";
  return {
    uid,
    text: ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//ewsdav//mapping claims//EN", `BEGIN:${component}`, ...body, `END:${component}`, ...(example.after ?? []), "END:VCALENDAR", ""].join("\r\n"),
  };
}

const sameName = (dropped: DroppedProperty, name: string) => {
  const a = dropped.property.toUpperCase();
  const b = name.toUpperCase();
  return a === b || (a.startsWith(b) && /[^A-Z0-9-]/.test(a[b.length]!));
};

/** Fields of an Exchange item another client cannot set (ids, server-computed) — left out of its copy. */
const NOT_COPIED = ["itemId", "parentFolderId", "dateTimeReceived", "size", "dateTimeCreated", "hasAttachments", "lastModifiedName", "lastModifiedTime", "attachments", "completeName", "hasPicture"];

interface Outcome {
  /** The write through the EWS side. */
  write: WriteResult | SideError;
  /** The item read back through the EWS side. */
  read: SideItem | SideError | undefined;
  /** A copy made by another client, read through the EWS side. */
  copy: SideItem | SideError | undefined;
}

describe("docs/mapping.md claims, checked through the EWS side against the simulator", () => {
  let sim: EwsSimulator;
  let client: EwsClient;
  const outcomes = new Map<MappingRow, Outcome>();

  beforeAll(async () => {
    sim = await startEwsSimulator({});
    client = new EwsClient({ url: sim.url, auth: basicAuth({ username: "alice@example.com", password: "secret" }), mailbox: "alice@example.com" });
    const ews = new EwsSide({ client, name: "ews", timeZone: "Europe/Berlin" });
    const folders = await ews.listCollections();
    for (const kind of ["contact", "event", "task"] as const) {
      const rows = ROWS.filter((r) => r.kind === kind && r.example);
      const collection = folders.find((f) => f.kind === KIND[kind])!.id;
      const items = rows.map((row, n) => itemText(row, n));
      const writes = await ews.create(collection, items);
      const ids = writes.map((w) => (w instanceof SideError ? null : w.id));
      const written = ids.filter((id): id is string => id !== null);
      const reads = new Map((await ews.fetch(collection, written)).map((r, i) => [written[i]!, r]));

      // Another client copies each item as Exchange holds it into a folder of its own, setting the row's Exchange-only fields.
      const parent = { distinguishedId: kind === "contact" ? "contacts" : kind === "event" ? "calendar" : "tasks" } as const;
      const [copies] = await client.createFolder(parent, [{ displayName: `copies of ${kind} claims`, folderClass: kind === "contact" ? "IPF.Contact" : kind === "event" ? "IPF.Appointment" : "IPF.Task" }]);
      if (!copies || isEwsError(copies)) throw new Error(`no copies folder: ${String(copies)}`);
      const extended = kind === "contact" ? EWSDAV_EXTENDED_PROPERTIES.contact : kind === "task" ? EWSDAV_EXTENDED_PROPERTIES.task : [EWSDAV_UID_PROPERTY];
      const raw = await client.getItem(written.map((id) => ({ id })), { shape: { baseShape: "AllProperties", bodyType: "Best", additionalProperties: extended.map((e) => ({ extended: e })) } });
      const sources = new Map<string, ParsedItem>();
      raw.forEach((r, i) => !isEwsError(r) && sources.set(written[i]!, r));
      const copyOf: Array<{ row: MappingRow; typed: TypedItem; attachments: FileAttachment[] }> = [];
      rows.forEach((row, n) => {
        const source = ids[n] ? sources.get(ids[n]!) : undefined;
        if (!source || source.type === "Unsupported") return;
        const item: Record<string, unknown> = { ...source.item, ...(row.example!.ews?.fields ?? {}) };
        for (const field of NOT_COPIED) delete item[field];
        const attachments = (source.item.attachments ?? []).filter((a): a is FileAttachment => a.kind === "file");
        copyOf.push({ row, typed: { type: ITEM_TYPE[KIND[kind]], item } as TypedItem, attachments });
      });
      const created = await client.createItem(copyOf.map((c) => c.typed), { savedItemFolder: { id: copies.id } });
      const copyIds = new Map<MappingRow, string>();
      for (const [i, c] of copyOf.entries()) {
        const r = created[i]!;
        if (isEwsError(r)) continue;
        if (c.attachments.length) {
          const contents = await client.getAttachment(c.attachments.map((a) => a.attachmentId!.id));
          const files = contents.filter((a): a is FileAttachment => !isEwsError(a) && a.kind === "file").map(({ attachmentId: _, size: __, lastModifiedTime: ___, ...rest }) => rest);
          await client.createAttachment(r, files);
        }
        // What the other client then does to the series' occurrences (Outlook deleting or moving one).
        for (const op of c.row.example!.ews?.occurrences ?? []) {
          const ref = { recurringMasterId: r.id, instanceIndex: op.instanceIndex };
          if (op.delete) {
            const [deleted] = await client.deleteItem([ref]);
            if (deleted !== true) throw new Error(`deleting occurrence ${op.instanceIndex}: ${String(deleted)}`);
            continue;
          }
          const [occurrence] = await client.getItem([ref]);
          if (!occurrence || isEwsError(occurrence) || occurrence.type !== "CalendarItem") throw new Error(`no occurrence ${op.instanceIndex}`);
          const [updated] = await client.updateItem([
            { target: occurrence.item.itemId!, before: occurrence, after: { type: "CalendarItem", item: { ...occurrence.item, ...op.fields } } },
          ]);
          if (!updated || isEwsError(updated)) throw new Error(`changing occurrence ${op.instanceIndex}: ${String(updated)}`);
        }
        copyIds.set(c.row, r.id);
      }
      await ews.listCollections();
      const copyList = [...copyIds.values()];
      const copyReads = new Map((await ews.fetch(copies.id, copyList)).map((r, i) => [copyList[i]!, r]));
      rows.forEach((row, n) => {
        const id = ids[n];
        const copyId = copyIds.get(row);
        outcomes.set(row, { write: writes[n]!, read: id ? reads.get(id) : undefined, copy: copyId ? copyReads.get(copyId) : undefined });
      });
    }
  });
  afterAll(async () => {
    await client?.close?.();
    await sim?.stop();
  });

  it("every row has an example", () => {
    expect(ROWS.filter((r) => !r.example).map(rowName)).toEqual([]);
  });

  for (const row of ROWS.filter((r) => r.example)) {
    const name = `${rowName(row)} — ${row.support}`;
    const check = () => {
      const example = row.example!;
      const outcome = outcomes.get(row)!;
      expect(outcome.write, "the write").not.toBeInstanceOf(SideError);
      expect(outcome.read, "the read back").not.toBeInstanceOf(SideError);
      const write = outcome.write as WriteResult;
      const read = outcome.read as SideItem;
      const dropped = write.dropped ?? [];
      const expected = (example.back ?? (row.support === "not-supported" ? [] : example.dav)).map(normaliseLine);
      const back = lines(read.text).map(normaliseLine);
      for (const line of expected) expect(back, `DAV → Exchange → DAV keeps ${line}; read back:\n${read.text}`).toContain(line);
      if (row.support === "supported") expect(dropped, "a supported row drops nothing").toEqual([]);
      const mustDrop = example.dropped ?? (row.support === "not-supported" && example.dav.length ? [...new Set(example.dav.filter((l) => !/^(BEGIN|END):/i.test(l)).map(nameOf))] : []);
      for (const property of mustDrop) expect(dropped.some((d) => sameName(d, property)), `the write reports ${property} in dropped: ${JSON.stringify(dropped)}`).toBe(true);
      if (row.ewsFields.length === 0) return;
      // The other way: the item as another client set it on Exchange, read through the EWS side.
      expect(outcome.copy, "the copy made by another client").toBeDefined();
      expect(outcome.copy, "the copy read through the EWS side").not.toBeInstanceOf(SideError);
      const copy = outcome.copy as SideItem;
      const copyBack = lines(copy.text).map(normaliseLine);
      for (const line of [...expected, ...(example.ews?.back ?? []).map(normaliseLine)]) expect(copyBack, `Exchange → DAV gives ${line}; read:\n${copy.text}`).toContain(line);
      for (const property of example.ews?.dropped ?? []) {
        expect((copy.dropped ?? []).some((d) => sameName(d, property)), `the read reports ${property} in dropped: ${JSON.stringify(copy.dropped)}`).toBe(true);
      }
    };
    if (EXPECTED_TO_FAIL.has(rowName(row))) it.fails(name, check);
    else it(name, check);
  }
});
