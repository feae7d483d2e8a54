/**
 * The auth layer: asks the provider to authorize every attempt, and lets it retry once after a 401.
 * @module
 */
import { withAuthRefresh } from "@ewsdav/http";
import type { EwsLayer } from "../transport/types.js";
import type { EwsAuthProvider } from "./types.js";

/** Wraps a send function with authentication by `provider`. */
export function authLayer(provider: EwsAuthProvider): EwsLayer {
  return (next) => async (request) => {
    // One request object for both attempts: the provider recognises it when it renews.
    const attempt = { ...request, headers: { ...request.headers } };
    return withAuthRefresh(
      async () => {
        await provider.authorize(attempt);
        return next(attempt);
      },
      async (response) => (provider.onUnauthorized ? provider.onUnauthorized(response, attempt) : false),
    );
  };
}
