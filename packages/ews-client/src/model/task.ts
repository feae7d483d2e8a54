/**
 * Tasks (types.xsd `TaskType`).
 * @module
 */
import type { ItemBase } from "./common.js";
import type { TaskRecurrence } from "./recurrence.js";

/** Task status (types.xsd `TaskStatusType`). */
export type TaskStatus = "NotStarted" | "InProgress" | "Completed" | "WaitingOnOthers" | "Deferred";

/**
 * A task (types.xsd `TaskType`). Dates are the `xs:dateTime` strings EWS sends. The subject, body,
 * importance, sensitivity, categories and reminder fields come from {@link ItemBase}.
 */
export interface Task extends ItemBase {
  /** Actual work in minutes (`t:ActualWork`). */
  actualWork?: number;
  /** Billing information (`t:BillingInformation`). */
  billingInformation?: string;
  /** Companies (`t:Companies/t:String`). */
  companies?: string[];
  /** When the task was completed (`t:CompleteDate`). */
  completeDate?: string;
  /** Contacts' names (`t:Contacts/t:String`). */
  contacts?: string[];
  /** Due date (`t:DueDate`). */
  dueDate?: string;
  /** Whether the task is complete (read-only, `t:IsComplete`). */
  isComplete?: boolean;
  /** Whether the task recurs (read-only, `t:IsRecurring`). */
  isRecurring?: boolean;
  /** Mileage (`t:Mileage`). */
  mileage?: string;
  /** Owner (read-only, `t:Owner`). */
  owner?: string;
  /** Percent complete, 0–100 (`t:PercentComplete`). */
  percentComplete?: number;
  /** Recurrence, including regeneration (`t:Recurrence`). */
  recurrence?: TaskRecurrence;
  /** Start date (`t:StartDate`). */
  startDate?: string;
  /** Status (`t:Status`). */
  status?: TaskStatus;
  /** Status as localized text (read-only, `t:StatusDescription`). */
  statusDescription?: string;
  /** Total work in minutes (`t:TotalWork`). */
  totalWork?: number;
}
