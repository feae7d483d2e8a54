/**
 * The field table of tasks (types.xsd `TaskType`, in schema order).
 * @module
 */
import type { TaskRecurrence } from "../model/recurrence.js";
import type { Task } from "../model/task.js";
import { parseStringArray, stringArrayXml } from "./common-xml.js";
import { booleanField, dateTimeField, doubleField, enumField, intField, stringField, type FieldDef } from "./field-table.js";
import { itemBaseFields } from "./item-base-fields.js";
import { parseTaskRecurrence, taskRecurrenceXml } from "./recurrence-xml.js";

const STATUSES = ["NotStarted", "InProgress", "Completed", "WaitingOnOthers", "Deferred"];

/** The task field table. */
export const TASK_FIELDS: readonly FieldDef<Task>[] = [
  ...itemBaseFields<Task>(),
  intField<Task>("actualWork", "ActualWork", "task:ActualWork", [0, 2147483647]),
  stringField<Task>("billingInformation", "BillingInformation", "task:BillingInformation"),
  {
    key: "companies",
    element: "Companies",
    uri: "task:Companies",
    write: ((v: string[]) => (v.length === 0 ? "" : stringArrayXml("t:Companies", v))) as FieldDef<Task>["write"],
    read: (e, item) => (item.companies = parseStringArray(e)),
  },
  dateTimeField<Task>("completeDate", "CompleteDate", "task:CompleteDate"),
  {
    key: "contacts",
    element: "Contacts",
    uri: "task:Contacts",
    write: ((v: string[]) => (v.length === 0 ? "" : stringArrayXml("t:Contacts", v))) as FieldDef<Task>["write"],
    read: (e, item) => (item.contacts = parseStringArray(e)),
  },
  dateTimeField<Task>("dueDate", "DueDate", "task:DueDate"),
  booleanField<Task>("isComplete", "IsComplete", undefined),
  booleanField<Task>("isRecurring", "IsRecurring", undefined),
  stringField<Task>("mileage", "Mileage", "task:Mileage"),
  stringField<Task>("owner", "Owner", undefined),
  doubleField<Task>("percentComplete", "PercentComplete", "task:PercentComplete", [0, 100]),
  {
    key: "recurrence",
    element: "Recurrence",
    uri: "task:Recurrence",
    write: ((v: TaskRecurrence, ctx) => taskRecurrenceXml(v, ctx)) as FieldDef<Task>["write"],
    read: (e, item) => {
      const r = parseTaskRecurrence(e);
      if (r) item.recurrence = r;
    },
  },
  dateTimeField<Task>("startDate", "StartDate", "task:StartDate"),
  enumField<Task>("status", "Status", "task:Status", STATUSES),
  stringField<Task>("statusDescription", "StatusDescription", undefined),
  intField<Task>("totalWork", "TotalWork", "task:TotalWork", [0, 2147483647]),
];
