/**
 * Version negotiation: which `RequestServerVersion` to send to a server, from the
 * `ServerVersionInfo` header it answers with (every EWS response carries it).
 *
 * Exchange refuses a `RequestServerVersion` newer than its own schema (ErrorInvalidServerVersion,
 * or ErrorSchemaValidation for the value), and refuses elements newer than the version a request
 * names (ErrorSchemaValidation). So the client asks with the oldest target it supports
 * ({@link DEFAULT_REQUEST_VERSION}) until the first response tells it the server's version, and
 * from then on uses the highest version both know ({@link requestVersionFor}).
 * @module
 */
import { EXCHANGE_VERSIONS, type ExchangeVersion } from "./envelope.js";
import type { ServerVersionInfo } from "./response.js";

/** The version requests use before the server has told its own: the oldest target ewsdav supports. */
export const DEFAULT_REQUEST_VERSION: ExchangeVersion = "Exchange2010_SP2";

const NAMED: ReadonlySet<string> = new Set<string>(EXCHANGE_VERSIONS);

/**
 * The highest {@link ExchangeVersion} this client knows that a server answering with `info` accepts.
 *
 * - A `Version` that names one of ours is taken as is (Exchange 2010 SP2 and 2013 report
 *   `Exchange2010_SP2`, `Exchange2013`, `Exchange2013_SP1`).
 * - The dated schema versions of Exchange 2016 and later (`V2015_10_05` … `V2017_07_11`) and
 *   `Exchange2016` itself map to `Exchange2016`.
 * - Otherwise the numbers decide: 15.1+ → Exchange2016; 15.0 → Exchange2013 (build 847 and
 *   later, SP1 → Exchange2013_SP1); 14.2 and 14.3 (SP3 keeps the SP2 schema) → Exchange2010_SP2;
 *   14.1 → Exchange2010_SP1; 14.0 → Exchange2010; older → Exchange2007_SP1.
 */
export function requestVersionFor(info: ServerVersionInfo): ExchangeVersion {
  const named = info.version?.trim();
  if (named && NAMED.has(named)) return named as ExchangeVersion;
  if (named && /^V20\d\d_\d\d_\d\d$/.test(named)) return "Exchange2016";
  const { majorVersion: major, minorVersion: minor, majorBuildNumber: build } = info;
  if (major > 15 || (major === 15 && minor >= 1)) return "Exchange2016";
  if (major === 15) return build >= 847 ? "Exchange2013_SP1" : "Exchange2013";
  if (major === 14) return minor >= 2 ? "Exchange2010_SP2" : minor === 1 ? "Exchange2010_SP1" : "Exchange2010";
  return "Exchange2007_SP1";
}
