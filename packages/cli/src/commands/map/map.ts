/**
 * The work behind `npm run map`: every object of a .vcf or .ics file through the mappers, both
 * ways, as plain data.
 */
import type { CalendarItem } from "@ewsdav/ews-client";
import {
  contactFromVCard,
  contactToVCard,
  eventFromVEvent,
  eventToVEvent,
  MapperError,
  splitICalendar,
  splitVCards,
  taskFromVTodo,
  taskToVTodo,
  vcardHash,
  veventHash,
  vtodoHash,
  type DroppedProperty,
  type OccurrenceOperation,
} from "@ewsdav/mappers";

/** What happened to one object of the file. */
export interface MappedObject {
  kind: "contact" | "task" | "event";
  /** Position of the object among those of its kind in the file, from 1. */
  index: number;
  uid?: string | null;
  /** The EWS item the object maps to (for a series: the recurring master). */
  item?: unknown;
  /** Events: what the EWS side does to the series' occurrences after writing the master. */
  occurrenceOperations?: OccurrenceOperation[];
  /** What the object says that the EWS item cannot hold. */
  dropped?: DroppedProperty[];
  /** The object written back from the EWS item alone (a new object; contacts in the same version). */
  roundTripped?: string;
  /** What writing the item back could not carry. */
  droppedOnWayBack?: DroppedProperty[];
  /** True when writing the item back onto the original changes nothing (normalised hash). */
  mergeIsEcho?: boolean;
  /** The typed error, when the object could not be mapped at all. */
  error?: { code: string; property: string | null; reason: string; uid?: string };
}

/** Options of {@link mapText}. */
export interface MapTextOptions {
  /** The mailbox's IANA zone, for all-day and floating events (default UTC). */
  timeZone?: string;
}

function failure(error: unknown): MappedObject["error"] {
  if (error instanceof MapperError) return { code: error.code, property: error.property, reason: error.reason, ...(error.uid ? { uid: error.uid } : {}) };
  return { code: "UNEXPECTED", property: null, reason: error instanceof Error ? error.message : String(error) };
}

function withoutLongContent(item: unknown): unknown {
  return JSON.parse(JSON.stringify(item, (key, value: unknown) => (key === "content" && typeof value === "string" && value.length > 80 ? `${value.slice(0, 40)}… (${value.length} base64 characters)` : value))) as unknown;
}

/**
 * The series as EWS holds it once the occurrence operations are applied: the master with its
 * deleted and modified occurrences, and the modified occurrences as items (what GetItem returns).
 */
export function seriesOnExchange(master: CalendarItem, operations: readonly OccurrenceOperation[]): { item: CalendarItem; exceptions: CalendarItem[] } {
  const item: CalendarItem = { ...master };
  const deletes = operations.filter((operation) => operation.kind === "deleteOccurrence");
  const modifies = operations.filter((operation) => operation.kind === "modifyOccurrence");
  if (deletes.length > 0) item.deletedOccurrences = deletes.map((operation) => ({ start: operation.originalStart }));
  if (modifies.length > 0) item.modifiedOccurrences = modifies.map((operation, i) => ({ itemId: { id: `occurrence-${i + 1}` }, start: operation.changes.start!, end: operation.changes.end!, originalStart: operation.originalStart }));
  const exceptions = modifies.map((operation) => {
    const exception: CalendarItem = { ...master, ...operation.changes, originalStart: operation.originalStart };
    delete exception.recurrence;
    return exception;
  });
  return { item, exceptions };
}

/** Maps every VCARD, VTODO and VEVENT of a file's text. */
export function mapText(text: string, options: MapTextOptions = {}): MappedObject[] {
  const out: MappedObject[] = [];
  if (/^\s*BEGIN\s*:\s*VCARD/im.test(text)) {
    splitVCards(text).forEach((card, position) => {
      const entry: MappedObject = { kind: "contact", index: position + 1 };
      try {
        const read = contactFromVCard(card);
        const version = /^VERSION:\s*4\.0/im.test(card) ? "4.0" : "3.0";
        const back = contactToVCard(read.item, { version });
        Object.assign(entry, { uid: read.uid, item: withoutLongContent(read.item), dropped: read.dropped, roundTripped: back.text, droppedOnWayBack: back.dropped, mergeIsEcho: vcardHash(contactToVCard(read.item, { base: card }).text) === vcardHash(card) });
      } catch (error) {
        entry.error = failure(error);
      }
      out.push(entry);
    });
  }
  if (/^\s*BEGIN\s*:\s*(VCALENDAR|VTODO|VEVENT)/im.test(text)) {
    splitICalendar(text, "vtodo").forEach((object, position) => {
      const entry: MappedObject = { kind: "task", index: position + 1 };
      try {
        const read = taskFromVTodo(object);
        const back = taskToVTodo(read.item);
        Object.assign(entry, { uid: read.uid, item: read.item, dropped: read.dropped, roundTripped: back.text, droppedOnWayBack: back.dropped, mergeIsEcho: vtodoHash(taskToVTodo(read.item, { base: object }).text) === vtodoHash(object) });
      } catch (error) {
        entry.error = failure(error);
      }
      out.push(entry);
    });
    splitICalendar(text, "vevent").forEach((object, position) => {
      const entry: MappedObject = { kind: "event", index: position + 1 };
      try {
        const zone = options.timeZone === undefined ? {} : { timeZone: options.timeZone };
        const read = eventFromVEvent(object, zone);
        // What EWS holds after the master is written and the occurrence operations are applied.
        const onExchange = seriesOnExchange({ ...read.item, uid: read.item.uid ?? read.uid ?? `ewsdav-map-${position + 1}` }, read.occurrenceOperations);
        const back = eventToVEvent(onExchange.item, { ...zone, exceptions: onExchange.exceptions });
        const merged = eventToVEvent(onExchange.item, { ...zone, exceptions: onExchange.exceptions, base: object });
        Object.assign(entry, {
          uid: read.uid,
          item: withoutLongContent(read.item),
          occurrenceOperations: read.occurrenceOperations,
          dropped: read.dropped,
          roundTripped: back.text,
          droppedOnWayBack: back.dropped,
          mergeIsEcho: veventHash(merged.text) === veventHash(object),
        });
      } catch (error) {
        entry.error = failure(error);
      }
      out.push(entry);
    });
  }
  return out;
}
