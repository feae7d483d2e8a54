import { describe, expect, it } from "vitest";
import type { Task } from "@ewsdav/ews-client";
import { EWSDAV_UID_PROPERTY, normalizeVTodo, taskFromVTodo, taskToVTodo, unfoldLines, vtodoHash } from "../index.js";
import { TASK_FIXTURES } from "./client-fixtures.test-support.js";

const withoutBookkeeping = (task: Task): Task => ({ ...task, extendedProperties: (task.extendedProperties ?? []).filter((property) => property.fieldUri.propertyName === EWSDAV_UID_PROPERTY.propertyName) });

describe.each(TASK_FIXTURES)("$client", (fixture) => {
  it("maps to the expected EWS task and reports exactly what it cannot carry", () => {
    const { item, dropped, uid } = taskFromVTodo(fixture.text);
    expect(item).toMatchObject(fixture.expected);
    expect(uid).not.toBeNull();
    expect(dropped.map((entry) => entry.property).sort()).toEqual([...fixture.dropped].sort());
  });

  it("writes back onto itself without a change (an echo is recognised by the hash)", () => {
    const { item } = taskFromVTodo(fixture.text);
    const written = taskToVTodo(item, { base: fixture.text });
    expect(normalizeVTodo(written.text)).toBe(normalizeVTodo(fixture.text));
    expect(vtodoHash(written.text)).toBe(vtodoHash(fixture.text));
  });

  it("writes back onto itself line for line, as the client spelled it", () => {
    const { item } = taskFromVTodo(fixture.text);
    expect(unfoldLines(taskToVTodo(item, { base: fixture.text }).text)).toEqual(unfoldLines(fixture.text));
  });

  it("survives a new VTODO and back", () => {
    const { item } = taskFromVTodo(fixture.text);
    const written = taskToVTodo(item, { now: new Date("2026-01-01T00:00:00Z") });
    expect(withoutBookkeeping(taskFromVTodo(written.text).item)).toEqual(withoutBookkeeping(item));
  });

  it("a change made in Exchange touches only its own property", () => {
    const { item } = taskFromVTodo(fixture.text);
    const written = taskToVTodo({ ...item, subject: "Changed in Outlook" }, { base: fixture.text });
    const before = new Set(normalizeVTodo(fixture.text).split("\n"));
    const after = new Set(normalizeVTodo(written.text).split("\n"));
    const added = [...after].filter((line) => !before.has(line));
    expect(added).toHaveLength(1);
    expect(added[0]).toMatch(/^summary(;language=de-DE)?:\["Changed in Outlook"\]$/);
    expect([...before].filter((line) => !after.has(line)).every((line) => line.startsWith("summary"))).toBe(true);
  });
});
