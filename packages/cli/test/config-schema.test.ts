/**
 * `ewsdav config schema`: the JSON Schema generated from the zod schema, through the binary. It
 * carries the title and the fields' descriptions (what editors show), matches the copy committed
 * beside `sync.example.json` (which that file names in `$schema`), accepts the example and the
 * shapes of config the tests write, and rejects wrong ones — checked with a small structural
 * validator of the JSON Schema keywords the schema uses (no validator library is a dependency).
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { syncConfigSchema } from "../src/config.js";
import { runCli } from "./cli.test-support.js";

type Schema = Record<string, unknown>;

/** The failures of `value` against `schema` (empty when valid), for the keywords z.toJSONSchema emits. */
function validate(schema: Schema, value: unknown, path = "$"): string[] {
  const errors: string[] = [];
  const typeOf = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v === "number" && Number.isInteger(v) ? "integer" : typeof v);
  const t = schema.type as string | undefined;
  if (t !== undefined) {
    const actual = typeOf(value);
    if (!(actual === t || (t === "number" && actual === "integer"))) return [`${path}: expected ${t}, got ${actual}`];
  }
  if ("const" in schema && value !== schema.const) errors.push(`${path}: expected ${JSON.stringify(schema.const)}`);
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) errors.push(`${path}: not one of ${JSON.stringify(schema.enum)}`);
  if (typeof value === "string") {
    if (typeof schema.minLength === "number" && value.length < schema.minLength) errors.push(`${path}: too short`);
    if (typeof schema.pattern === "string" && !new RegExp(schema.pattern, "u").test(value)) errors.push(`${path}: does not match ${schema.pattern}`);
    if (schema.format === "uri" && !URL.canParse(value)) errors.push(`${path}: not a URI`);
  }
  if (typeof value === "number") {
    if (typeof schema.minimum === "number" && value < schema.minimum) errors.push(`${path}: below minimum`);
    if (typeof schema.exclusiveMinimum === "number" && value <= schema.exclusiveMinimum) errors.push(`${path}: not above ${schema.exclusiveMinimum}`);
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === "number" && value.length < schema.minItems) errors.push(`${path}: too few items`);
    if (schema.items) value.forEach((item, i) => errors.push(...validate(schema.items as Schema, item, `${path}[${i}]`)));
  }
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const object = value as Record<string, unknown>;
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    for (const key of (schema.required ?? []) as string[]) if (!(key in object)) errors.push(`${path}: missing ${key}`);
    for (const [key, inner] of Object.entries(object)) {
      if (schema.propertyNames) errors.push(...validate(schema.propertyNames as Schema, key, `${path}.${key} (name)`));
      if (properties[key]) errors.push(...validate(properties[key]!, inner, `${path}.${key}`));
      else if (schema.additionalProperties === false) errors.push(`${path}: unexpected ${key}`);
      else if (typeof schema.additionalProperties === "object") errors.push(...validate(schema.additionalProperties as Schema, inner, `${path}.${key}`));
    }
  }
  if (Array.isArray(schema.oneOf)) {
    const passing = schema.oneOf.filter((s) => validate(s as Schema, value, path).length === 0).length;
    if (passing !== 1) errors.push(`${path}: matches ${passing} of oneOf`);
  }
  if (Array.isArray(schema.anyOf) && !schema.anyOf.some((s) => validate(s as Schema, value, path).length === 0)) errors.push(`${path}: matches none of anyOf`);
  if (Array.isArray(schema.allOf)) for (const s of schema.allOf) errors.push(...validate(s as Schema, value, path));
  if (schema.not && validate(schema.not as Schema, value, path).length === 0) errors.push(`${path}: matches not`);
  return errors;
}

const CLI = fileURLToPath(new URL("..", import.meta.url));

/** A config around the given accounts (pairs naming the first). */
function config(accounts: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const first = Object.keys(accounts)[0]!;
  return {
    state: "state.db",
    ...extra,
    accounts: { ...accounts, files: { type: "vdir", path: "vdir" } },
    pairs: [{ kind: "contacts", remote: { account: first, folder: "Contacts" }, local: { account: "files", collection: "contacts", create: true } }],
  };
}

const ews = (auth: Record<string, unknown>, more: Record<string, unknown> = {}) => ({ work: { type: "ews", url: "http://127.0.0.1:8080/EWS/Exchange.asmx", mailbox: "alice@example.com", auth, ...more } });

/** Shapes the tests (and ewsdav init) write. */
const GOOD: Array<Record<string, unknown>> = [
  config(ews({ type: "basic", username: "alice@example.com", passwordEnv: "EWSDAV_TEST_PASSWORD" })),
  config(ews({ type: "basic", username: "a", password: "p" }), { $schema: "./ewsdav.schema.json", lease: { ttlSeconds: 60, waitSeconds: 0 }, watch: { pollIntervalSeconds: 1 } }),
  config(ews({ type: "ntlm", username: "alice", domain: "EXAMPLE", passwordFile: "ews-password" })),
  config(ews({ type: "oauth", flow: "delegated", clientId: "c", tenantId: "t", authority: "https://login.example.test/t", signIn: "localhost", tokenCache: "private/t.json" }, { resolve: { "login.example.test:443": "127.0.0.1:4443" }, caFile: "ca.pem" })),
  config(ews({ type: "oauth", flow: "delegated", clientId: "c" })),
  config(ews({ type: "oauth", flow: "app-only", clientId: "c", tenantId: "t", clientSecretFile: "client-secret" })),
  config(ews({ type: "oauth", flow: "app-only", clientId: "c", tenantId: "t", certificate: { privateKeyFile: "k.pem", thumbprint: "AB".repeat(32) } })),
  config(ews({ type: "bearer", tokenEnv: "T" })),
  config({ work: { type: "ews", autodiscover: true, mailbox: "alice@example.com", auth: { type: "basic", username: "a", passwordEnv: "P" } } }),
  config({ cloud: { type: "dav", url: "https://cloud.example.com/dav/", username: "alice", passwordFile: "secrets/cloud", allowInsecureHttp: false } }),
  config({ o365: { type: "graph", auth: { type: "oauth", flow: "delegated", clientId: "c", tenantId: "contoso.onmicrosoft.com" } } }),
  config({ o365: { type: "graph", user: "alice@contoso.com", cloud: "usgov", auth: { type: "oauth", flow: "app-only", clientId: "c", tenantId: "t", certificate: { privateKeyFile: "k.pem", certificateFile: "c.pem" } } } }),
  config({ o365: { type: "graph", user: "alice@example.com", baseUrl: "http://127.0.0.1:8080/v1.0", auth: { type: "bearer", tokenEnv: "T" }, calendarWindow: { pastDays: 30, futureDays: 365 } } }),
];

/** Wrong configs, each with what is wrong. */
const BAD: Array<[string, unknown]> = [
  ["two secret sources", config(ews({ type: "basic", username: "a", password: "p", passwordEnv: "P" }))],
  ["no secret", config(ews({ type: "ntlm", username: "a" }))],
  ["an unknown auth type", config(ews({ type: "kerberos", username: "a", passwordEnv: "P" }))],
  ["a misspelt key in auth", config(ews({ type: "basic", username: "a", passwordEnv: "P", passwrod: "x" }))],
  ["app-only with two secrets", config(ews({ type: "oauth", flow: "app-only", clientId: "c", tenantId: "t", clientSecretEnv: "S", clientSecretFile: "f" }))],
  ["url and autodiscover", config(ews({ type: "bearer", tokenEnv: "T" }, { autodiscover: true }))],
  ["a Graph account in an unknown cloud", config({ o365: { type: "graph", cloud: "mars", auth: { type: "oauth", flow: "delegated", clientId: "c" } } })],
  ["a Graph account with an EWS url", config({ o365: { type: "graph", url: "https://outlook.office365.com/EWS/Exchange.asmx", auth: { type: "oauth", flow: "delegated", clientId: "c" } } })],
  ["a Graph account with Basic auth", config({ o365: { type: "graph", auth: { type: "basic", username: "a", passwordEnv: "P" } } })],
  ["autodiscover without a mailbox", config({ work: { type: "ews", autodiscover: true, auth: { type: "bearer", tokenEnv: "T" } } })],
  ["a bad account name", config({ "my account": { type: "vdir", path: "v" } })],
  ["no state", { accounts: {}, pairs: [] }],
  ["no pairs", { ...config(ews({ type: "bearer", tokenEnv: "T" })), pairs: [] }],
  ["an unknown kind", { ...config(ews({ type: "bearer", tokenEnv: "T" })), pairs: [{ kind: "notes", remote: { account: "work", folder: "N" }, local: { account: "files", collection: "n" } }] }],
  ["a negative wait", config(ews({ type: "bearer", tokenEnv: "T" }), { lease: { waitSeconds: -1 } })],
];

describe("ewsdav config schema", () => {
  it("prints the JSON Schema with the title and the fields' descriptions, as committed beside the example", async () => {
    const run = await runCli(["config", "schema"]);
    expect(run.code, run.stderr).toBe(0);
    const schema = JSON.parse(run.stdout) as Schema & { properties: Record<string, Schema> };
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(schema.title).toBe("ewsdav configuration");
    expect(schema.properties.state!.description).toMatch(/SQLite state file/);
    const accounts = schema.properties.accounts as { additionalProperties: { oneOf: Array<Schema & { properties: Record<string, Schema> }> } };
    const ewsAccount = accounts.additionalProperties.oneOf[0]!;
    expect(ewsAccount.properties.autodiscover!.description).toMatch(/safe policy/);
    const auth = ewsAccount.properties.auth as { oneOf: Schema[] };
    expect(JSON.stringify(auth)).toContain("passwordFile");
    expect(JSON.stringify(auth)).toContain('"description":"A file holding only the password');
    expect(JSON.parse(readFileSync(join(CLI, "ewsdav.schema.json"), "utf8"))).toEqual(schema);
    // With --json the schema is still the one document on stdout.
    expect(JSON.parse((await runCli(["config", "schema", "--json"])).stdout)).toEqual(schema);
  });

  it("--output writes it to a file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ewsdav-schema-"));
    const run = await runCli(["config", "schema", "--output", "schema.json"], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`wrote the config's JSON Schema to ${join(dir, "schema.json")}`);
    expect(JSON.parse(readFileSync(join(dir, "schema.json"), "utf8"))).toMatchObject({ title: "ewsdav configuration" });
    const refused = await runCli(["config", "schema", "--output", join(dir, "no/such/folder/schema.json")]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("--output:");
  });

  it("accepts the example and the configs the tests write, rejects wrong ones — as loadConfig's zod schema does", () => {
    const schema = JSON.parse(readFileSync(join(CLI, "ewsdav.schema.json"), "utf8")) as Schema;
    const example = JSON.parse(readFileSync(join(CLI, "sync.example.json"), "utf8")) as unknown;
    expect(validate(schema, example)).toEqual([]);
    for (const good of GOOD) {
      expect(validate(schema, good), JSON.stringify(good)).toEqual([]);
      expect(syncConfigSchema.safeParse(good).success, JSON.stringify(good)).toBe(true);
    }
    for (const [what, bad] of BAD) {
      expect(validate(schema, bad), what).not.toEqual([]);
      expect(syncConfigSchema.safeParse(bad).success, what).toBe(false);
    }
  });
});
