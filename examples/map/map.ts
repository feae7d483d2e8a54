/**
 * The work behind `npm run map`: every object of a .vcf or .ics file through the mappers, both
 * ways, as plain data.
 */
import * as mappers from "@ewsdav/mappers";
import { contactFromVCard, contactToVCard, MapperError, splitICalendar, splitVCards, taskFromVTodo, taskToVTodo, vcardHash, vtodoHash, type DroppedProperty } from "@ewsdav/mappers";

/** What happened to one object of the file. */
export interface MappedObject {
  kind: "contact" | "task" | "event";
  /** Position of the object in the file, from 1. */
  index: number;
  uid?: string | null;
  /** The EWS item the object maps to. */
  item?: unknown;
  /** What the object says that the EWS item cannot hold. */
  dropped?: DroppedProperty[];
  /** The object written back from the EWS item alone (a new object in the same version). */
  roundTripped?: string;
  /** What writing the EWS item back could not carry. */
  droppedOnWayBack?: DroppedProperty[];
  /** True when writing the item back onto the original changes nothing (normalised hash). */
  mergeIsEcho?: boolean;
  /** The typed error, when the object could not be mapped at all. */
  error?: { code: string; property: string | null; reason: string };
}

type EventMapper = {
  eventFromVEvent: (text: string) => { item: unknown; uid: string | null; dropped: DroppedProperty[] };
  eventToVEvent: (item: never, options?: { base?: string }) => { text: string; dropped: DroppedProperty[] };
  veventHash?: (text: string) => string;
};

/** The event mapper, when the package exports it (it arrives with the event-mapper issue). */
function eventMapper(): EventMapper | null {
  const candidate = mappers as unknown as Partial<EventMapper>;
  return typeof candidate.eventFromVEvent === "function" && typeof candidate.eventToVEvent === "function" ? (candidate as EventMapper) : null;
}

function failure(error: unknown): MappedObject["error"] {
  if (error instanceof MapperError) return { code: error.code, property: error.property, reason: error.reason };
  return { code: "UNEXPECTED", property: null, reason: error instanceof Error ? error.message : String(error) };
}

function withoutPhotoContent(item: unknown): unknown {
  return JSON.parse(JSON.stringify(item, (key, value: unknown) => (key === "content" && typeof value === "string" && value.length > 80 ? `${value.slice(0, 40)}… (${value.length} base64 characters)` : value))) as unknown;
}

/** Maps every VCARD, VTODO and VEVENT of a file's text. */
export function mapText(text: string): MappedObject[] {
  const out: MappedObject[] = [];
  if (/^\s*BEGIN\s*:\s*VCARD/im.test(text)) {
    splitVCards(text).forEach((card, position) => {
      const entry: MappedObject = { kind: "contact", index: position + 1 };
      try {
        const read = contactFromVCard(card);
        const version = /^VERSION:\s*4\.0/im.test(card) ? "4.0" : "3.0";
        const back = contactToVCard(read.item, { version });
        Object.assign(entry, { uid: read.uid, item: withoutPhotoContent(read.item), dropped: read.dropped, roundTripped: back.text, droppedOnWayBack: back.dropped, mergeIsEcho: vcardHash(contactToVCard(read.item, { base: card }).text) === vcardHash(card) });
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
    const events = splitICalendar(text, "vevent");
    const mapper = eventMapper();
    events.forEach((object, position) => {
      const entry: MappedObject = { kind: "event", index: position + 1 };
      if (!mapper) {
        entry.error = { code: "NOT_SUPPORTED", property: "VEVENT", reason: "events not supported yet" };
        out.push(entry);
        return;
      }
      try {
        const read = mapper.eventFromVEvent(object);
        const back = mapper.eventToVEvent(read.item as never);
        Object.assign(entry, { uid: read.uid, item: read.item, dropped: read.dropped, roundTripped: back.text, droppedOnWayBack: back.dropped });
        if (mapper.veventHash) entry.mergeIsEcho = mapper.veventHash(mapper.eventToVEvent(read.item as never, { base: object }).text) === mapper.veventHash(object);
      } catch (error) {
        entry.error = failure(error);
      }
      out.push(entry);
    });
  }
  return out;
}
