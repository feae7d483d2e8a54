/**
 * Exchange versions as the simulator plays them: the ServerVersionInfo it reports, the request
 * versions a server of that version accepts, and the elements newer than a request's version
 * (refused in the request, left out of the response).
 */
import { NS_T, type XmlElement } from "./xml.js";

/** The ServerVersionInfo the simulator reports. */
export interface EwsServerVersionInfo {
  MajorVersion: number;
  MinorVersion: number;
  MajorBuildNumber: number;
  MinorBuildNumber: number;
  Version: string;
}

/** Exchange 2016 CU-like version info (the default). */
export const EXCHANGE_2016_VERSION: EwsServerVersionInfo = {
  MajorVersion: 15, MinorVersion: 1, MajorBuildNumber: 2507, MinorBuildNumber: 6, Version: "V2017_07_11",
};

/** Exchange 2013 SP1-like version info: requests for Exchange2015/2016 and the dated versions get ErrorInvalidServerVersion. */
export const EXCHANGE_2013_SP1_VERSION: EwsServerVersionInfo = {
  MajorVersion: 15, MinorVersion: 0, MajorBuildNumber: 847, MinorBuildNumber: 32, Version: "Exchange2013_SP1",
};

/** Exchange 2010 SP2-like version info: requests for later versions get ErrorInvalidServerVersion. */
export const EXCHANGE_2010_SP2_VERSION: EwsServerVersionInfo = {
  MajorVersion: 14, MinorVersion: 2, MajorBuildNumber: 247, MinorBuildNumber: 5, Version: "Exchange2010_SP2",
};

/** RequestServerVersion values the schema allows (ExchangeVersionType), oldest first. */
const EXCHANGE_VERSIONS = ([
  "Exchange2007", "Exchange2007_SP1", "Exchange2009", "Exchange2010", "Exchange2010_SP1", "Exchange2010_SP2", "Exchange2012",
  "Exchange2013", "Exchange2013_SP1", "Exchange2015", "Exchange2016", "V2015_10_05", "V2016_01_06", "V2016_04_13", "V2016_07_13",
  "V2016_10_10", "V2017_01_07", "V2017_04_14", "V2017_07_11",
]);

/** The request versions a server of `version` accepts: up to its own (all when it is not in the list). */
export function acceptedVersions(version: string): Set<string> {
  const at = EXCHANGE_VERSIONS.indexOf(version);
  return new Set(at === -1 ? EXCHANGE_VERSIONS : EXCHANGE_VERSIONS.slice(0, at + 1));
}

/**
 * Request elements newer than the oldest request version: Exchange validates a request against the
 * schema of the version it names, so such an element in an older request is refused with
 * ErrorSchemaValidation, and it answers in that schema, so the element is left out of the response
 * ({@link withoutNewerThan}). Keys are element local names (types namespace) or `FieldURI` values.
 */
const ELEMENT_MIN_VERSION: ReadonlyMap<string, string> = new Map([
  ["Gender", "Exchange2016"],
  ["contacts:Gender", "Exchange2016"],
]);

/** The first element (or field path) of `payload` that the schema of `requested` does not know. */
export function newerThanRequested(payload: XmlElement, requested: string): string | undefined {
  const at = EXCHANGE_VERSIONS.indexOf(requested);
  const stack = [payload];
  for (let e = stack.pop(); e; e = stack.pop()) {
    const key = e.ns === NS_T ? (e.name === "FieldURI" ? e.attrs.FieldURI : e.name) : undefined;
    const minimum = key === undefined ? undefined : ELEMENT_MIN_VERSION.get(key);
    if (minimum !== undefined && EXCHANGE_VERSIONS.indexOf(minimum) > at) return key;
    stack.push(...e.children);
  }
  return undefined;
}

/**
 * The response without the elements newer than `requested` (the same table as requests): Exchange
 * answers in the schema of the request's version, so an Exchange2010_SP2 GetItem of a contact
 * gets no Gender. Only elements of the types namespace are left out (never a FieldURI value);
 * parts without such an element are shared, not copied.
 */
export function withoutNewerThan(payload: XmlElement, requested: string): XmlElement {
  const at = EXCHANGE_VERSIONS.indexOf(requested);
  const newer = new Set([...ELEMENT_MIN_VERSION].filter(([key, minimum]) => !key.includes(":") && EXCHANGE_VERSIONS.indexOf(minimum) > at).map(([key]) => key));
  if (newer.size === 0) return payload;
  const strip = (e: XmlElement): XmlElement => {
    let changed = false;
    const children: XmlElement[] = [];
    for (const c of e.children) {
      if (c.ns === NS_T && newer.has(c.name)) {
        changed = true;
        continue;
      }
      const kept = strip(c);
      if (kept !== c) changed = true;
      children.push(kept);
    }
    return changed ? { ...e, children } : e;
  };
  return strip(payload);
}
