/**
 * `@ewsdav/vobject`: vCard and iCalendar content lines for ewsdav: parsing, folding, text escaping, UID extraction and normalisation — one toolkit for the engine and the mappers.
 *
 * @module
 */
export {};
