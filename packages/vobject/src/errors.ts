/**
 * The one error of the toolkit: a text that is not a vobject.
 *
 * @module
 */

/** The text is not a vobject (unbalanced BEGIN/END, a line without a colon, no component). */
export class VObjectError extends Error {
  override readonly name = "VObjectError";
  /** Stable code for callers that classify errors. */
  readonly code = "vobject-parse";
  constructor(
    message: string,
    /** 1-based unfolded line number where reading stopped, when known. */
    readonly line: number | null = null,
  ) {
    super(line === null ? message : `line ${line}: ${message}`);
  }
}
