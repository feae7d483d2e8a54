/**
 * `@ewsdav/mappers`: pure mappers between the EWS item model and vCard / iCalendar.
 * @packageDocumentation
 */
export { MapperError, type DroppedProperty, type MapperErrorCode, type MappingRow, type MapResult, type SupportLevel } from "./result.js";
