/** A property or value a mapper could not carry to the other form, and why. */
export interface DroppedProperty {
  /**
   * The property as named on the source side (`EMAIL`, `RRULE`, `EmailAddresses[3]` …); for a
   * parameter of a property that was carried, the property and the parameter (`EMAIL;X-DAV-PARAM`).
   */
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
  /**
   * A concrete instance of the row, checked against the real EWS side over the simulator
   * (`packages/core/test/mapping-claims.test.ts`) and shown in `docs/mapping.md`.
   */
  example?: MappingExample;
}

/**
 * A concrete instance of a {@link MappingRow}: what a DAV client writes, what must come back from
 * Exchange, and what must be reported as dropped. The claim of the row is checked with it both
 * ways: the DAV text is written through the EWS side and read back, and a copy of the Exchange item
 * made by another client is read through the EWS side.
 *
 * - `supported`: every line of `back` (default `dav`) comes back (normalised: parameter order and
 *   case, TYPE order) and nothing is reported dropped.
 * - `limited`: every line of `back` comes back, and every name of `dropped` is reported.
 * - `not-supported`: every name of `dropped` is reported.
 */
export interface MappingExample {
  /**
   * The property lines carrying the row's property, unfolded, as they stand in the VCARD (4.0),
   * VEVENT or VTODO (a VALARM with its BEGIN/END lines).
   */
  dav: string[];
  /**
   * Lines of the component the example needs, replacing the test item's default of the same
   * property name (a DTSTART for an RRULE, a DTSTART;VALUE=DATE for an all-day event).
   */
  context?: string[];
  /** Whole components to append after the item's main component (an exception VEVENT). */
  after?: string[];
  /**
   * The lines the EWS side gives back, when their form differs from `dav` (vCard 4.0 forms, a
   * default parameter added or left out); for a `limited` row, what fits. Default: `dav` for
   * `supported` and `limited` rows, nothing for `not-supported` ones.
   */
  back?: string[];
  /** Property names the write must report in `dropped` (the excess of a limited row; the property of an unsupported one). */
  dropped?: string[];
  /**
   * For fields only Exchange sets: what another client sets on the Exchange item (the client's
   * item model, e.g. `{ mileage: "12 km" }`), the property names the EWS side must report in
   * `dropped` when it reads the item, and the lines it must give for them.
   */
  ews?: {
    fields: Record<string, unknown>;
    dropped: string[];
    /** Lines the EWS side must give for those fields (beyond `back`). */
    back?: string[];
    /**
     * What the other client does to occurrences of a series after creating it (1-based instance
     * index): delete one, or change its fields (an exception).
     */
    occurrences?: Array<{ instanceIndex: number; delete?: boolean; fields?: Record<string, unknown> }>;
  };
}

/**
 * The rows with their examples, looked up by the row's `property` (examples sit apart from the
 * rows' wording so either can change alone); a row that has its own example keeps it. A row
 * without an example stays without one; the mapping-claims test names it.
 */
export function withExamples(rows: readonly MappingRow[], examples: Readonly<Record<string, MappingExample>>): MappingRow[] {
  return rows.map((row) => {
    const example = row.example ?? (Object.prototype.hasOwnProperty.call(examples, row.property) ? examples[row.property] : undefined);
    return example ? { ...row, example } : { ...row };
  });
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
