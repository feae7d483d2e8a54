/**
 * `@ewsdav/mappers`: pure mappers between the EWS item model and vCard / iCalendar.
 * @packageDocumentation
 */
export type { DroppedProperty, MapResult } from "./result.js";
