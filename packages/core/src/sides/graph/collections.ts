/**
 * The Graph side's collections: the mailbox's contact folders (the default Contacts folder, named
 * {@link DEFAULT_CONTACTS}, and every folder below it), its calendars and its To Do task lists; a
 * collection's id is Graph's id of the folder, calendar or list. Each collection's kind is
 * remembered in the context, so later calls know what items it holds; an id the side has not
 * listed (a pair moved from EWS names its folders by their translated ids) is looked up.
 *
 * @module
 */
import { GraphError, type GraphContactFolder } from "@ewsdav/graph-client";
import { SideError, type CollectionInfo, type CollectionKind } from "../../engine/side.js";
import { calendarApi, needCalendars, needTodo, todoApi } from "./apis.js";
import { DEFAULT_CONTACTS, type GraphContext } from "./context.js";
import { toSideError } from "./errors.js";

/** Every contact folder below `parent` (default: below the default Contacts folder), depth first. */
async function contactFolders(ctx: GraphContext, signal?: AbortSignal, parent?: string, depth = 0): Promise<GraphContactFolder[]> {
  const folders = await ctx.client.listContactFolders(parent, signal ? { signal } : {});
  const out: GraphContactFolder[] = [];
  for (const f of folders) {
    out.push(f);
    if (depth < 8) out.push(...(await contactFolders(ctx, signal, f.id, depth + 1)));
  }
  return out;
}

/** Lists the default Contacts folder and every contact folder below it, the calendars and the To Do lists, remembering each one's kind. */
export async function listCollections(ctx: GraphContext, signal?: AbortSignal): Promise<CollectionInfo[]> {
  const out: CollectionInfo[] = [{ id: DEFAULT_CONTACTS, kind: "contacts", displayName: "Contacts" }];
  for (const f of await contactFolders(ctx, signal)) out.push({ id: f.id, kind: "contacts", displayName: f.displayName ?? f.id });
  const call = signal ? { signal } : {};
  const calendars = calendarApi(ctx.client);
  if (calendars) for (const c of await calendars.listCalendars(call)) out.push({ id: c.id, kind: "events", displayName: c.name ?? c.id });
  const todo = todoApi(ctx.client);
  if (todo) for (const l of await todo.listTodoLists(call)) out.push({ id: l.id, kind: "tasks", displayName: l.displayName ?? l.id });
  for (const c of out) ctx.kinds.set(c.id, c.kind);
  return out;
}

/** Creates a collection of `kind`: a contact folder below the default one, a calendar or a To Do list. */
export async function createCollection(ctx: GraphContext, kind: CollectionKind, displayName: string, signal?: AbortSignal): Promise<CollectionInfo> {
  const call = signal ? { signal } : {};
  try {
    if (kind === "contacts") {
      const folder = await ctx.client.createContactFolder(displayName, undefined, call);
      ctx.kinds.set(folder.id, kind);
      return { id: folder.id, kind, displayName: folder.displayName ?? displayName };
    }
    if (kind === "events") {
      const calendar = await needCalendars(ctx.client).createCalendar({ name: displayName }, call);
      ctx.kinds.set(calendar.id, kind);
      return { id: calendar.id, kind, displayName: calendar.name ?? displayName };
    }
    const list = await needTodo(ctx.client).createTodoList({ displayName }, call);
    ctx.kinds.set(list.id, kind);
    return { id: list.id, kind, displayName: list.displayName ?? displayName };
  } catch (error) {
    throw toSideError(error, null);
  }
}

/** Whether an error says the id names nothing of that kind (so another kind may be tried). */
function absent(error: unknown): boolean {
  return error instanceof GraphError && (error.status === 404 || error.status === 400);
}

/**
 * The kind of a collection: as listed, else found by asking Graph for it as a contact folder, a
 * calendar and a To Do list; `not-found` when it is none of them.
 */
export async function kindOf(ctx: GraphContext, collection: string, signal?: AbortSignal): Promise<CollectionKind> {
  const known = ctx.kinds.get(collection) ?? (collection === DEFAULT_CONTACTS ? "contacts" : undefined);
  if (known) return known;
  const call = signal ? { signal } : {};
  const probes: Array<[CollectionKind, () => Promise<unknown>]> = [["contacts", () => ctx.client.getContactFolder(collection, call)]];
  const calendars = calendarApi(ctx.client);
  if (calendars) probes.push(["events", () => calendars.getCalendar(collection, call)]);
  const todo = todoApi(ctx.client);
  if (todo) probes.push(["tasks", () => todo.getTodoList(collection, call)]);
  for (const [kind, probe] of probes) {
    try {
      await probe();
      ctx.kinds.set(collection, kind);
      return kind;
    } catch (error) {
      if (!absent(error)) throw error;
    }
  }
  throw new SideError("not-found", `${ctx.name} has no contact folder, calendar or task list ${collection}`);
}

/** The contact folder id the client takes for a collection (`undefined`: the default Contacts folder). */
export function contactFolderOf(collection: string): string | undefined {
  return collection === DEFAULT_CONTACTS ? undefined : collection;
}
