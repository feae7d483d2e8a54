/**
 * A worker thread that maps iCalendar text through the event mapper, both ways, and says how long
 * it took (test support for the bounds fuzzer). The fuzzer runs it apart from its own thread so
 * that an input on which the mapper never returns is a finding and not a hung suite.
 */
import { parentPort } from "node:worker_threads";
import type { CalendarItem } from "@ewsdav/ews-client";
import { eventFromVEvent, eventToVEvent, MapperError } from "./index.js";

/** A request: one text (iCalendar) or EWS item (JSON of a `CalendarItem` with its exceptions) to map, in a mailbox zone. */
export interface MapRequest {
  id: number;
  text: string;
  timeZone: string;
  /** `ics` (default): `text` is iCalendar; `ews`: `text` is `{ item, exceptions }` as JSON. */
  kind?: "ics" | "ews";
}

/** The answer: how long it took and how it ended. */
export interface MapAnswer {
  id: number;
  ms: number;
  /** `mapped`, a MapperError code, or `crash: <message>` for anything that is not a MapperError. */
  outcome: string;
}

function exerciseEws(request: MapRequest): void {
  const { item, exceptions } = JSON.parse(request.text) as { item: CalendarItem; exceptions: CalendarItem[] };
  const written = eventToVEvent(item, { exceptions, timeZone: request.timeZone, now: new Date(0) });
  const read = eventFromVEvent(written.text, { timeZone: request.timeZone, current: item });
  eventToVEvent({ ...read.item, uid: written.uid }, { base: written.text, timeZone: request.timeZone, now: new Date(0) });
}

function exercise(request: MapRequest): string {
  try {
    if (request.kind === "ews") {
      exerciseEws(request);
      return "mapped";
    }
    const read = eventFromVEvent(request.text, { timeZone: request.timeZone });
    const uid = read.item.uid ?? read.uid ?? "fuzz@ewsdav.test";
    const back = eventToVEvent({ ...read.item, uid }, { base: request.text, timeZone: request.timeZone, now: new Date(0) });
    eventFromVEvent(back.text, { timeZone: request.timeZone });
    eventToVEvent({ ...read.item, uid }, { timeZone: request.timeZone, now: new Date(0) });
    return "mapped";
  } catch (error) {
    if (error instanceof MapperError) return error.code === "INTERNAL_ERROR" ? `crash: ${error.message}` : error.code;
    return `crash: ${error instanceof Error ? error.message : String(error)}`;
  }
}

parentPort?.on("message", (request: MapRequest) => {
  const started = performance.now();
  const outcome = exercise(request);
  parentPort!.postMessage({ id: request.id, ms: performance.now() - started, outcome } satisfies MapAnswer);
});
// Loaded: the runner may send requests now.
parentPort?.postMessage({ id: -1, ms: 0, outcome: "ready" } satisfies MapAnswer);
