/** A property or value a mapper could not carry to the other form, and why. */
export interface DroppedProperty {
  /** The property as named on the source side (`EMAIL`, `RRULE`, `EmailAddresses[3]` …). */
  property: string;
  /** Why it could not be carried (an EWS slot limit, no EWS field, a value out of range). */
  reason: string;
  /** The value that was not carried, when it helps to tell several of the same property apart. */
  value?: string;
  /** For a value that could not be read: the typed error naming the property and the reason. */
  error?: MapperError;
}

/** How well a property is carried between the DAV and the EWS form. */
export type SupportLevel = "supported" | "limited" | "not-supported";

/**
 * One row of the mapping tables: data in the package, from which `docs/mapping.md` is
 * generated, so the documentation cannot drift from the code.
 */
export interface MappingRow {
  /** Which mapper the row belongs to. */
  kind: "contact" | "task" | "event";
  /** The vCard / iCalendar property (with parameters where they matter), e.g. `TEL;TYPE=WORK`. */
  property: string;
  /** The EWS field(s) it maps to, as named in types.xsd, e.g. `PhoneNumbers[BusinessPhone]`. */
  ewsFields: string[];
  /** How well the property is carried (see {@link SupportLevel}). */
  support: SupportLevel;
  /** The limit EWS imposes, in words (e.g. "2 work numbers"), for `limited` rows. */
  limit?: string;
  /** What happens to what does not fit, or any other remark. */
  notes?: string;
}

/** Error codes of {@link MapperError}. */
export type MapperErrorCode =
  | "MALFORMED_TEXT" // the text does not parse as vCard / iCalendar at all
  | "MISSING_COMPONENT" // no VCARD / VEVENT / VTODO in the text
  | "INVALID_VALUE" // a property value that cannot be read (bad date, bad number …)
  | "UNSUPPORTED_VERSION" // a vCard version other than 3.0 / 4.0 (2.1 is read best-effort)
  | "LIMIT_EXCEEDED" // the item is past a bound of the mappers (a count, the date horizon, the time budget); see limits.ts
  | "INTERNAL_ERROR"; // a mapper bug caught at the API boundary (never expected; tests assert it does not happen)

/**
 * The one error type the mappers throw or return: it names the item (UID when known) and the
 * property, and says why. Mappers never throw anything else for bad input.
 */
export class MapperError extends Error {
  /** Always `MapperError`. */
  override readonly name = "MapperError";
  constructor(
    readonly code: MapperErrorCode,
    readonly property: string | null,
    readonly reason: string,
    readonly uid: string | null = null,
  ) {
    super(`${uid ? `item ${uid}: ` : ""}${property ? `${property}: ` : ""}${reason}`);
  }
}

/**
 * Runs a mapper entry point so that it can only fail with a {@link MapperError}: anything else (a
 * bug) is wrapped as `INTERNAL_ERROR`, naming the item when known.
 */
export function guardMapper<T>(uid: string | null, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof MapperError) throw error;
    throw new MapperError("INTERNAL_ERROR", null, `unexpected failure: ${error instanceof Error ? error.message : String(error)}`.slice(0, 300), uid);
  }
}

/** What every mapper direction returns: the mapped value and everything it could not carry. */
export interface MapResult<T> {
  /** The mapped value. */
  value: T;
  /** Everything that could not be carried. */
  dropped: DroppedProperty[];
}
