/** A property or value a mapper could not carry to the other form, and why. */
export interface DroppedProperty {
  /** The property as named on the source side (`EMAIL`, `RRULE`, `EmailAddresses[3]` …). */
  property: string;
  /** Why it could not be carried (an EWS slot limit, no EWS field, a value out of range). */
  reason: string;
}

/** What every mapper direction returns: the mapped value and everything it could not carry. */
export interface MapResult<T> {
  value: T;
  dropped: DroppedProperty[];
}
