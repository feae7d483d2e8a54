/**
 * Test support for the Graph mappers: what Graph gives back for a body it was sent (the stored
 * resource as a GET returns it), and the CSDL check of every body the mappers make.
 */
import type { GraphContact, GraphContactInput } from "@ewsdav/graph-client";
import { loadGraphSchema, type GraphSchema } from "@ewsdav/graph-simulator";

let schema: GraphSchema | undefined;

/** The CSDL problems of a Graph body as the entity type `type` (an empty list when it conforms). */
export function csdlProblems(type: string, body: unknown): string[] {
  schema ??= loadGraphSchema();
  return schema.check(type, body);
}

/**
 * A contact as Graph returns it after a POST of `input`: the id and change key added, an e-mail
 * address without a name named by its address (Exchange does so), empty strings absent.
 */
export function storedContact(input: GraphContactInput, id = "AAMkAGI2TG93AAA="): GraphContact {
  const out: GraphContact = { ...input, id, changeKey: "EQAAABYAAAA" };
  if (input.emailAddresses) out.emailAddresses = input.emailAddresses.map((e) => ({ name: e.name ?? e.address ?? null, address: e.address ?? null }));
  return out;
}

import type { GraphEvent } from "@ewsdav/graph-client";
import type { GraphEventFromICalendarResult } from "./event.js";
import { zoneOfGraphName } from "./time.js";

/**
 * A series as Graph holds it once the side wrote `written` (POST of the master, PATCH of each
 * exception's occurrence, DELETE of each cancelled one): the master with its id, `iCalUId`, type and
 * `cancelledOccurrences` (`OID.{id}.{date}`, the date in the series' zone), and the exceptions as
 * whole events (the master's fields with the exception's changes) with `originalStart`. `organizer`:
 * the mailbox (Graph makes it the organizer of what it creates).
 */
export function storedSeries(written: GraphEventFromICalendarResult, id = "AAMkMASTER=", organizer?: { address: string; name?: string }): { master: GraphEvent; exceptions: GraphEvent[] } {
  const { recurrence, ...fields } = written.master;
  if (organizer) fields.organizer = { emailAddress: { address: organizer.address, name: organizer.name ?? organizer.address } };
  const master: GraphEvent = { ...written.master, ...fields, id, iCalUId: "040000008200E00074C5B7101A82E00800000000" + id, type: recurrence ? "seriesMaster" : "singleInstance" };
  if (recurrence) {
    const zone = zoneOfGraphName(written.master.start?.timeZone)!;
    master.cancelledOccurrences = written.cancelled.map((start) => `OID.${id}.${new Date(zone.toLocal(Date.parse(start))).toISOString().slice(0, 10)}`);
  }
  const exceptions = written.exceptions.map((exception, i): GraphEvent => ({
    ...fields,
    ...exception.event,
    id: `AAMkEXC${i}=`,
    type: "exception",
    seriesMasterId: id,
    originalStart: exception.originalStart,
  }));
  return { master, exceptions };
}

import type { GraphTodoTask } from "@ewsdav/graph-client";
import type { GraphTaskFromVTodoResult } from "./task.js";

/** A To Do task as Graph returns it after a POST of `written` (with its UID extension), read with `$expand=extensions`. */
export function storedTask(written: GraphTaskFromVTodoResult, id = "AAMkTASK="): GraphTodoTask {
  const { checklistItems: _c, linkedResources: _l, extensions: _e, ...fields } = written.task;
  const task: GraphTodoTask = { ...fields, id, lastModifiedDateTime: "2026-01-02T03:04:05Z" };
  if (written.extension) task.extensions = [{ ...written.extension, id: `microsoft.graph.openTypeExtension.${written.extension.extensionName}` }];
  return task;
}
