/**
 * The jCard / jCal shapes (RFC 7095, RFC 7265) the mappers work on, in a module of their own so
 * the codec and the property helpers both depend on it and not on each other.
 *
 * @module
 */

/** A property in jCard / jCal form: `[name, params, valueType, ...values]`; `params.group` holds a vCard group. */
export type JProperty = [string, Record<string, string | string[]>, string, ...unknown[]];
/** A component in jCard / jCal form: `[name, properties, subcomponents]`. */
export type JComponent = [string, JProperty[], JComponent[]];
