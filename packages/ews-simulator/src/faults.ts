/**
 * Fault injection for the simulator: rules that make the next N matching requests fail the
 * way an overloaded or flaky Exchange does.
 */

/** One kind of injected fault. */
export type EwsFault =
  /** A SOAP fault ErrorServerBusy (HTTP 500) with BackOffMilliseconds in MessageXml; the request is not executed. */
  | { kind: "serverBusy"; backOffMilliseconds?: number }
  /** HTTP 503 with a Retry-After header (seconds); the request is not executed. */
  | { kind: "http503"; retryAfterSeconds?: number }
  /** HTTP 429 with a Retry-After header (seconds); the request is not executed. */
  | { kind: "http429"; retryAfterSeconds?: number }
  /** The response is delayed by this many milliseconds (the request is executed normally). */
  | { kind: "latency"; milliseconds: number }
  /** The request IS executed, then the connection is reset after part of the response was sent. */
  | { kind: "connectionReset" }
  /** The request IS executed, then a well-framed HTTP response carries only the first half of the XML. */
  | { kind: "truncatedBody" }
  /**
   * The request IS executed, then the body ends early: right after the `occurrence`-th (default 1st)
   * `after` in the response XML (e.g. `"</t:Create>"`, a cut between two changes), or at half the
   * body when `after` is not given or not found. `framing` says how the cut body is delimited:
   * `"close"` (default) with no Content-Length, ending when the server closes the connection, as an
   * HTTP/1.0-style proxy does; `"length"` with a Content-Length that matches the cut body.
   */
  | { kind: "cutBody"; after?: string; occurrence?: number; framing?: "close" | "length" };

/** A fault rule: which fault, for how many requests, optionally only for one operation. */
export type EwsFaultRule = EwsFault & {
  /** How many matching requests it affects (default 1). */
  times?: number;
  /** Only requests of this operation (`GetItem`, `SyncFolderItems` …). */
  operation?: string;
};

interface ActiveRule { fault: EwsFault; remaining: number; operation: string | undefined }

/** The switchboard tests use to inject faults; see {@link EwsFaultRule}. */
export class EwsFaultInjector {
  private rules: ActiveRule[] = [];

  /** Adds a rule; rules are consumed in the order they were added. */
  inject(rule: EwsFaultRule): void {
    const { times, operation, ...fault } = rule;
    this.rules.push({ fault: fault as EwsFault, remaining: times ?? 1, operation });
  }

  /** Removes every rule. */
  clear(): void {
    this.rules = [];
  }

  /** How many faults are still pending across all rules. */
  get pending(): number {
    return this.rules.reduce((n, r) => n + r.remaining, 0);
  }

  /**
   * @internal Takes the faults for one request: at most one latency and at most one other fault.
   */
  take(operation: string | null): { latency: number; fault: Exclude<EwsFault, { kind: "latency" }> | undefined } {
    let latency = 0;
    let fault: Exclude<EwsFault, { kind: "latency" }> | undefined;
    for (const rule of this.rules) {
      if (rule.remaining <= 0 || (rule.operation !== undefined && rule.operation !== operation)) continue;
      if (rule.fault.kind === "latency") {
        if (latency === 0) {
          latency = rule.fault.milliseconds;
          rule.remaining--;
        }
      } else if (!fault) {
        fault = rule.fault;
        rule.remaining--;
      }
    }
    this.rules = this.rules.filter((r) => r.remaining > 0);
    return { latency, fault };
  }
}
