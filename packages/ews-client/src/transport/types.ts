/**
 * The transport vocabulary: one HTTP exchange of a SOAP request, and layers that wrap a send
 * function (auth, retry, logging) in the spirit of undici's interceptors.
 * @module
 */

/** One HTTP POST of a SOAP envelope. Layers may change `headers`; nothing else should. */
export interface EwsHttpRequest {
  /** The EWS endpoint, e.g. `https://mail.example.com/EWS/Exchange.asmx`. */
  url: string;
  /** The EWS operation in the body (for logs, events and retry decisions). */
  operation: string;
  /** Request headers (lower-case names). */
  headers: Record<string, string>;
  /** The SOAP envelope. */
  body: string;
  /**
   * True when sending the request twice cannot duplicate an effect (reads; writes guarded by a
   * change key). Non-idempotent requests are repeated only when the server provably did not run them.
   */
  idempotent: boolean;
  /** Aborts the exchange and any wait between attempts. */
  signal?: AbortSignal;
}

/** The HTTP response, with the body already read (size-limited) and decompressed. */
export interface EwsHttpResponse {
  /** HTTP status. */
  status: number;
  /** Response headers (lower-case names; repeated headers joined with `, `). */
  headers: Record<string, string>;
  /** The body decoded as UTF-8. */
  body: string;
}

/** Sends one request and returns its response; throws `TransportError`/`AbortedError` below HTTP. */
export type EwsSend = (request: EwsHttpRequest) => Promise<EwsHttpResponse>;

/** Wraps a send function with one concern (auth, retry, logging, …). */
export type EwsLayer = (next: EwsSend) => EwsSend;

/** Composes layers around a send function; the first layer is the outermost. */
export function composeLayers(send: EwsSend, layers: readonly EwsLayer[]): EwsSend {
  return layers.reduceRight<EwsSend>((next, layer) => layer(next), send);
}
