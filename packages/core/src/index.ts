/**
 * `@ewsdav/core`: the ewsdav sync engine.
 * @packageDocumentation
 */
export {};
