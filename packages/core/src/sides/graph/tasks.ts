/**
 * To Do tasks over Graph (the tasks {@link ItemCodec}): `/todo/lists/{list}/tasks/{id}`, read with
 * `$expand=extensions` (ewsdav's UID lives in the `ewsdav.uid` open extension: a todoTask has no
 * extended properties in Graph v1.0), mapped with `graphTaskToVTodo` / `graphTaskFromVTodo` of
 * `@ewsdav/mappers`. A create carries the extension in its body; an update leaves it as it is; a
 * tag writes only the extension (PATCH of `extensions/ewsdav.uid`, or a POST where the task has
 * none), after checking that the task is still at the version the engine holds — an extension
 * cannot carry `If-Match` for its task, so an edit landing between that check and the write (one
 * round trip) is the window that remains — and reads the task's new etag after.
 *
 * A task tagged over EWS (ewsdav's extended property) shows no UID over Graph: after a move from
 * EWS it is known by its translated id until the engine tags it here.
 *
 * No `outside` check (unlike contacts, which `/contacts/{id}` finds in any folder): a task is only
 * ever read through its list, `/todo/lists/{list}/tasks/{id}` — `tasks` is a contained navigation
 * of `todoTaskList` in the v1.0 CSDL, and To Do has no list-free path to a task — and a todoTask
 * carries nothing that names its list (no `parentFolderId` or `parentListId` in v1.0), so there is
 * nothing to compare a read task with. A task deleted in Outlook or To Do leaves every list of the
 * To Do API (Deleted Items is no To Do list), so its read answers 404 and the engine sees the
 * deletion. What remains open: whether Graph answers a task moved to another list through its old
 * list's path (Microsoft documents no move of a todoTask in v1.0, and says nothing of it); if it
 * did, the list's delta still reports it removed, but a read by id would find it. The simulator
 * answers 404 there.
 *
 * @module
 */
import { GRAPH_TODO_UID_EXTENSION, todoUidExtension, type GraphTodoTask } from "@ewsdav/graph-client";
import { graphTaskFromVTodo, graphTaskToVTodo } from "@ewsdav/mappers";
import { SideError } from "../../engine/side.js";
import { sendAll } from "./batch.js";
import { queryOf, type GraphEntity, type ItemCodec, type MappedWrite, type Rendered } from "./codec.js";
import { versionOf, type GraphContext } from "./context.js";
import { answerError } from "./errors.js";

const JSON_HEADERS = { "content-type": "application/json" } as const;

function taskPath(ctx: GraphContext, list: string, ...rest: string[]): string {
  return ctx.client.path("todo", "lists", list, "tasks", ...rest);
}

export const TASKS: ItemCodec = {
  kind: "tasks",
  itemPath: (ctx, collection, id) => taskPath(ctx, collection, id),
  createPath: (ctx, collection) => taskPath(ctx, collection),
  readQuery: queryOf(undefined, "extensions"),
  async render(_ctx: GraphContext, _collection: string, entities: readonly GraphEntity[], bases: ReadonlyArray<string | undefined>): Promise<Array<Rendered | Error>> {
    return entities.map((entity, i) => {
      const basis = bases[i];
      const task = entity as unknown as GraphTodoTask;
      try {
        return graphTaskToVTodo(task, basis === undefined ? {} : { basis });
      } catch (error) {
        if (basis === undefined) return error as Error;
        try {
          return graphTaskToVTodo(task);
        } catch (again) {
          return again as Error;
        }
      }
    });
  },
  map(_ctx: GraphContext, text: string, create: boolean): MappedWrite {
    const r = graphTaskFromVTodo(text);
    const body: Record<string, unknown> = { ...(r.task as Record<string, unknown>) };
    if (create && r.extension) body.extensions = [r.extension];
    return { body, uid: r.uid, dropped: r.dropped };
  },
  async tag(ctx, collection, items, signal) {
    // 1. The tasks as they are now: a task changed since the engine read it is not tagged.
    const now = await sendAll(ctx, items.map((item) => ({ method: "GET" as const, url: `${taskPath(ctx, collection, item.id)}?$expand=extensions` })), signal);
    const out: Array<{ id: string; version: string | null } | Error> = new Array(items.length);
    const live: number[] = [];
    items.forEach((item, i) => {
      const answer = now[i]!;
      if (answer.status >= 400) return void (out[i] = answerError(answer, item.id, "GET tasks item"));
      const task = answer.body as GraphTodoTask & GraphEntity;
      if (item.version !== null && versionOf(task) !== item.version) return void (out[i] = new SideError("precondition-failed", `the task changed since ${item.version}`, item.id));
      live.push(i);
    });
    // 2. The extension: changed where the task has one, created where it has none.
    const has = (i: number) => ((now[i]!.body as GraphTodoTask).extensions ?? []).some((e) => e.extensionName === GRAPH_TODO_UID_EXTENSION);
    const writes = await sendAll(ctx, live.map((i) => has(i)
      ? { method: "PATCH" as const, url: taskPath(ctx, collection, items[i]!.id, "extensions", GRAPH_TODO_UID_EXTENSION), headers: JSON_HEADERS, body: { uid: items[i]!.uid } }
      : { method: "POST" as const, url: taskPath(ctx, collection, items[i]!.id, "extensions"), headers: JSON_HEADERS, body: todoUidExtension(items[i]!.uid) }), signal);
    const written: number[] = [];
    live.forEach((i, n) => (writes[n]!.status >= 400 ? (out[i] = answerError(writes[n]!, items[i]!.id, "write tasks UID extension")) : written.push(i)));
    // 3. The new etags.
    const after = await sendAll(ctx, written.map((i) => ({ method: "GET" as const, url: taskPath(ctx, collection, items[i]!.id) })), signal);
    written.forEach((i, n) => {
      const answer = after[n]!;
      out[i] = answer.status >= 400 ? { id: items[i]!.id, version: null } : { id: items[i]!.id, version: versionOf(answer.body as GraphEntity) };
    });
    return out;
  },
};
