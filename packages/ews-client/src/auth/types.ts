/**
 * The authentication hook. Basic and bearer tokens are implemented here; NTLM and OAuth flows
 * implement the same interface (or, when they need a handshake over one connection, a whole
 * {@link EwsLayer} of their own).
 * @module
 */
import type { EwsHttpRequest, EwsHttpResponse } from "../transport/types.js";

/** What the auth layer asks of an authentication method. */
export interface EwsAuthProvider {
  /** The scheme, for logs (`Basic`, `Bearer`, `NTLM`, …). */
  readonly scheme: string;
  /** Sets the credentials on the request (usually the `authorization` header). Called before every attempt. */
  authorize(request: EwsHttpRequest): Promise<void> | void;
  /**
   * Called when the server answered 401. Return `true` to have the request authorized and sent
   * once more (e.g. after refreshing a token); `false` to give up with an `HttpError` 401.
   */
  onUnauthorized?(response: EwsHttpResponse, request: EwsHttpRequest): Promise<boolean> | boolean;
}
