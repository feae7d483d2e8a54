/**
 * The service's request schemas (zod 4): the shapes of bodies, path parameters and query strings.
 * They check structure only (types, required fields, no unknown keys); what a value means (a URL
 * that must be https, an absolute vdir path, an account that exists) is the fleet's to check, and
 * its `FleetError` becomes a 400/404/409 as well. A failed parse becomes a 400 naming the field
 * ({@link invalidRequest}); the body's values are never echoed.
 * @module
 */
import { z } from "zod";

/** An account or pair id, as the fleet accepts them. */
export const Id = z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/, "1–128 letters, digits, ., _ and -");

const Text = z.string().min(1, "required");

const OAuthCommon = {
  type: z.literal("oauth"),
  clientId: Text,
  tenantId: Text.optional(),
  authority: Text.optional(),
  network: z.strictObject({ ca: Text.optional(), resolve: z.record(z.string(), z.string()).optional() }).optional(),
};

/**
 * EWS sign-in: the secret is the password (basic, ntlm), the token (bearer), the client secret or
 * the certificate's private key (OAuth app-only); a delegated OAuth account has none — its sign-in
 * is a token cache (`PUT /v1/accounts/:id/token-cache`).
 */
export const EwsAuth = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("basic"), username: Text }),
  z.strictObject({ type: z.literal("ntlm"), username: Text, domain: Text.optional() }),
  z.strictObject({ type: z.literal("bearer") }),
  z.discriminatedUnion("flow", [
    z.strictObject({ ...OAuthCommon, flow: z.literal("delegated") }),
    z.strictObject({ ...OAuthCommon, flow: z.literal("app-only"), certificate: z.strictObject({ thumbprint: Text.optional(), certificate: Text.optional() }).optional() }),
  ]),
]);

/** An account's settings (the fleet's `FleetAccountConfig`), without its secret. */
export const AccountConfig = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("ews"),
    url: Text,
    mailbox: Text.optional(),
    auth: EwsAuth,
    timeZone: Text.optional(),
    publicFolders: z.boolean().optional(),
    allowInsecureHttp: z.boolean().optional(),
  }),
  z.strictObject({ type: z.literal("dav"), url: Text, username: Text, allowInsecureHttp: z.boolean().optional() }),
  z.strictObject({ type: z.literal("vdir"), path: Text }),
]);

/** `POST /v1/accounts`. */
export const AddAccountBody = z.strictObject({
  id: Id,
  config: AccountConfig,
  /** The password or token (none for vdir); encrypted before it is stored, never returned. */
  secret: Text.optional(),
});

/** `PUT /v1/accounts/:id/token-cache`: MSAL's serialized token cache of a delegated OAuth account (what `ewsdav login` wrote). */
export const TokenCacheBody = z.strictObject({ cache: Text });

/** `PUT /v1/accounts/:id/secret`. */
export const SetSecretBody = z.strictObject({ secret: Text });

/** `POST /v1/pairs`: a config file's `pairs` entry, and its interval. */
export const LinkPairBody = z.strictObject({
  id: Id.optional(),
  kind: z.enum(["contacts", "events", "tasks"]),
  remote: z.strictObject({ account: Id, folder: Text }),
  local: z.strictObject({ account: Id, collection: Text, create: z.boolean().optional() }),
  /** How often it syncs (default: the fleet's, 15 min). */
  intervalMs: z.number().int().min(1_000).max(30 * 86_400_000).optional(),
});

/** `POST /v1/pairs/:id/park` (the body is optional). */
export const ParkBody = z.strictObject({ reason: z.string().min(1).max(500).optional() });

/** `:id` in a path. */
export const IdParams = z.strictObject({ id: Id });

/** `?runs=N` of `GET /v1/pairs/:id`, `?limit=N` of `GET /v1/pairs/:id/runs`. */
export const RunsQuery = z.strictObject({ runs: z.coerce.number().int().min(0).max(100).default(10) });
export const LimitQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(100).default(10) });

/** One problem of a request: the field's dotted path (`config.auth.username`) and what is wrong. */
export interface FieldIssue {
  field: string;
  message: string;
}

/** A request the schemas refused: the service answers 400 with `{ error: "invalid-request", field, message, issues }`. */
export class InvalidRequest extends Error {
  override readonly name = "InvalidRequest";
  constructor(
    readonly where: "body" | "params" | "query",
    readonly issues: FieldIssue[],
  ) {
    super(`${where}: ${issues.map((i) => `${i.field}: ${i.message}`).join("; ")}`);
  }
}

/** The issues of a failed parse, each naming its field; an unknown key is named by its own path. Never the value. */
export function fieldIssues(error: z.ZodError): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const issue of error.issues) {
    const path = issue.path.map(String);
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) issues.push({ field: [...path, key].join("."), message: "unknown field" });
    } else {
      issues.push({ field: path.join(".") || "(root)", message: issue.message });
    }
  }
  return issues;
}

/** Parses `value` with `schema`, or throws {@link InvalidRequest}. */
export function parse<S extends z.ZodType>(schema: S, value: unknown, where: "body" | "params" | "query"): z.output<S> {
  const result = schema.safeParse(value ?? (where === "body" ? undefined : {}));
  if (!result.success) throw new InvalidRequest(where, fieldIssues(result.error));
  return result.data;
}
