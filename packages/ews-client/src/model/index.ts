/**
 * The typed EWS item model: contacts, tasks, calendar items and what they are made of.
 * Field names are the camelCase of the types.xsd element names; dates are the ISO-8601 strings EWS sends.
 * @module
 */
export * from "./ids.js";
export * from "./extended-property.js";
export * from "./common.js";
export * from "./recurrence.js";
export * from "./time-zone.js";
export * from "./contact.js";
export * from "./task.js";
export * from "./calendar-item.js";
