/**
 * HTTP Basic authentication, with the user as `user@domain` (UPN) or `DOMAIN\user`, UTF-8 encoded.
 * @module
 */
import { EwsInputError } from "../errors.js";
import type { EwsAuthProvider } from "./types.js";

/** Credentials for {@link basicAuth}. */
export interface BasicCredentials {
  /** `user@domain` or `DOMAIN\user` (or a bare user name). */
  username: string;
  /** The password. Never logged. */
  password: string;
}

/** Basic authentication. A 401 is final (no retry: the same credentials would fail again). */
export function basicAuth(credentials: BasicCredentials): EwsAuthProvider {
  if (credentials.username.includes(":")) {
    throw new EwsInputError("basicAuth", "username", "a user name for Basic authentication cannot contain ':'");
  }
  const header = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`, "utf8").toString("base64")}`;
  return {
    scheme: "Basic",
    authorize(request) {
      request.headers.authorization = header;
    },
    onUnauthorized: () => false,
  };
}
