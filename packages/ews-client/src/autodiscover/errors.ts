/**
 * Errors of autodiscover. Messages name hosts and URLs, never credentials.
 * @module
 */
import { EwsError } from "../errors.js";

/** Why one autodiscover candidate was not used. */
export interface AutodiscoverAttempt {
  /** The URL that was tried or refused (no credentials in it). */
  url: string;
  /** What was tried there. */
  kind: "soap" | "pox" | "http-redirect" | "srv";
  /** What happened. */
  outcome:
    | "success"
    | "redirect"
    | "unreachable"
    | "http-error"
    | "invalid-response"
    | "certificate-refused"
    | "insecure-refused"
    | "foreign-host-refused"
    | "parent-domain-refused"
    | "repeat-refused"
    | "redirect-limit"
    | "no-settings";
  /** A short human-readable detail (HTTP status, TLS error code, …). */
  detail: string;
}

/** Codes of {@link AutodiscoverError}. */
export type AutodiscoverErrorCode =
  /** Every candidate was tried and none produced an EWS URL. */
  | "AUTODISCOVER_FAILED"
  /** More than the allowed number of redirects. */
  | "AUTODISCOVER_TOO_MANY_REDIRECTS"
  /** A second e-mail redirect (discovery restarts only once). */
  | "AUTODISCOVER_REDIRECT_LOOP"
  /** The e-mail address cannot be used (no domain, a single-label domain, …). */
  | "AUTODISCOVER_INVALID_ADDRESS"
  /** The call was aborted. */
  | "AUTODISCOVER_ABORTED";

/** Autodiscover could not find the EWS endpoint; `attempts` tells what was tried and refused, in order. */
export class AutodiscoverError extends EwsError {
  /** Every candidate tried or refused, in order. */
  readonly attempts: readonly AutodiscoverAttempt[];
  declare readonly code: AutodiscoverErrorCode;
  constructor(code: AutodiscoverErrorCode, message: string, attempts: readonly AutodiscoverAttempt[], options?: { cause?: unknown }) {
    super(code, message, options);
    this.attempts = attempts;
  }
}
