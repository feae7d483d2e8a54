/**
 * The calendar and To Do calls of `GraphClient` the side uses, as interfaces: the client grows
 * these areas (calendars and events; To Do lists and tasks) in their own modules, and the side
 * reaches them through {@link calendarApi} and {@link todoApi}, which say plainly when the client
 * at hand has no such area rather than failing on an undefined method.
 *
 * @module
 */
import type { GraphCalendar, GraphClient, GraphDeltaRound, GraphEvent, GraphTodoTask, GraphTodoTaskList } from "@ewsdav/graph-client";
import { SideError } from "../../engine/side.js";

/** The calendar calls the side makes. */
export interface CalendarApi {
  listCalendars(options?: { signal?: AbortSignal }): Promise<GraphCalendar[]>;
  getCalendar(id?: string, options?: { signal?: AbortSignal }): Promise<GraphCalendar>;
  createCalendar(input: { name: string }, options?: { signal?: AbortSignal }): Promise<GraphCalendar>;
  calendarViewDelta(
    calendarId: string | undefined,
    window: { start: string | Date; end: string | Date },
    cursor: string | undefined,
    options?: { extendedProperties?: readonly string[]; masters?: "whole" | "versions" | "none"; signal?: AbortSignal },
  ): Promise<GraphDeltaRound<GraphEvent> & { masters: GraphEvent[] }>;
  listEvents(calendarId: string | undefined, options?: { select?: readonly string[]; pageSize?: number; signal?: AbortSignal }): Promise<GraphEvent[]>;
}

/** The To Do calls the side makes. */
export interface TodoApi {
  listTodoLists(options?: { signal?: AbortSignal }): Promise<GraphTodoTaskList[]>;
  getTodoList(listId: string, options?: { signal?: AbortSignal }): Promise<GraphTodoTaskList>;
  createTodoList(list: { displayName: string }, options?: { signal?: AbortSignal }): Promise<GraphTodoTaskList>;
  todoTasksDelta(listId: string, cursor: string | undefined, options?: { signal?: AbortSignal }): Promise<GraphDeltaRound<GraphTodoTask>>;
}

/** The client's calendar calls, or `undefined` when it has none. */
export function calendarApi(client: GraphClient): CalendarApi | undefined {
  const c = client as unknown as Partial<CalendarApi>;
  return typeof c.listCalendars === "function" && typeof c.calendarViewDelta === "function" ? (client as unknown as CalendarApi) : undefined;
}

/** The client's To Do calls, or `undefined` when it has none. */
export function todoApi(client: GraphClient): TodoApi | undefined {
  const c = client as unknown as Partial<TodoApi>;
  return typeof c.listTodoLists === "function" && typeof c.todoTasksDelta === "function" ? (client as unknown as TodoApi) : undefined;
}

/** The client's calendar calls; `rejected` when it has none. */
export function needCalendars(client: GraphClient): CalendarApi {
  const api = calendarApi(client);
  if (!api) throw new SideError("rejected", "this Graph client has no calendar calls");
  return api;
}

/** The client's To Do calls; `rejected` when it has none. */
export function needTodo(client: GraphClient): TodoApi {
  const api = todoApi(client);
  if (!api) throw new SideError("rejected", "this Graph client has no To Do calls");
  return api;
}
