/**
 * Credentials on a request: Basic, or a bearer token from a provider that is asked again (with
 * `refresh: true`) after the server answers 401. Schemes with their own handshakes (NTLM, EWS's
 * auth providers) stay with their client and use {@link withAuthRefresh} or their own layer.
 * @module
 */

/** Credentials for the `Authorization` header. */
export type HttpAuth =
  | { readonly type: "basic"; readonly username: string; readonly password: string }
  | {
      readonly type: "bearer";
      /** A fixed token, or a provider called per request (`refresh` is true after a 401). */
      readonly token: string | ((context: { refresh: boolean }) => string | Promise<string>);
    };

/** The `Authorization` header value for `auth` (undefined without credentials). */
export async function authorizationHeader(auth: HttpAuth | undefined, refresh: boolean): Promise<string | undefined> {
  if (!auth) return undefined;
  if (auth.type === "basic") return `Basic ${Buffer.from(`${auth.username}:${auth.password}`, "utf8").toString("base64")}`;
  const token = typeof auth.token === "string" ? auth.token : await auth.token({ refresh });
  return `Bearer ${token}`;
}

/** Whether `auth` can produce a fresh credential after a 401 (a bearer token provider). */
export function canRefresh(auth: HttpAuth | undefined): boolean {
  return auth?.type === "bearer" && typeof auth.token !== "string";
}

/**
 * Auth with refresh on 401, written once: runs `attempt(false)`; when its answer has status 401 and
 * `mayRefresh(answer)` says a fresh credential may help (a token provider, an auth scheme that
 * renews), runs `attempt(true)` once more and returns that answer. Never more than one refresh.
 */
export async function withAuthRefresh<R extends { readonly status: number }>(
  attempt: (refresh: boolean) => Promise<R>,
  mayRefresh: (response: R) => boolean | Promise<boolean>,
): Promise<R> {
  const first = await attempt(false);
  if (first.status !== 401 || !(await mayRefresh(first))) return first;
  return attempt(true);
}
