/**
 * The Graph mappers: `microsoft.graph.contact`, `event` and `todoTask` ⇄ vCard / iCalendar,
 * through the EWS mappers (see each module).
 * @module
 */
export { GRAPH_UID_PROPERTY_ID, readGraphUid, graphUidProperty } from "./common.js";
export {
  graphContactFromVCard,
  graphContactToVCard,
  type GraphPhoto,
  type GraphContactFromVCardOptions,
  type GraphContactFromVCardResult,
  type GraphContactToVCardOptions,
  type GraphContactToVCardResult,
} from "./contact.js";
export {
  graphEventFromICalendar,
  graphEventToICalendar,
  type GraphFileContent,
  type GraphEventFromICalendarOptions,
  type GraphEventFromICalendarResult,
  type GraphEventToICalendarOptions,
  type GraphEventToICalendarResult,
} from "./event.js";
export {
  graphTaskFromVTodo,
  graphTaskToVTodo,
  GRAPH_TODO_UID_EXTENSION_NAME,
  type GraphTaskFromVTodoOptions,
  type GraphTaskFromVTodoResult,
  type GraphTaskToVTodoOptions,
  type GraphTaskToVTodoResult,
} from "./task.js";
export { GRAPH_CONTACT_MAPPING_ROWS, GRAPH_EVENT_MAPPING_ROWS, GRAPH_TASK_MAPPING_ROWS, type GraphMappingRow } from "./metadata.js";
