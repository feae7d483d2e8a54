/**
 * Conformance of JSON entities (for tests) to the official Graph v1.0 CSDL (`../shared/graph-schema/
 * graph-v1.0-csdl.xml` beside the checkout, see its SOURCE.md, or the file or folder named by
 * EWSDAV_GRAPH_SCHEMA): every property of an entity must be declared on its entity type or a base
 * type (structural or navigation), with a value of the declared type — Edm primitives, complex
 * types (with their base types), collections, enum members — and `null` only where nullable.
 * Instance annotations (`@odata.*`, `prop@odata.*`, delta's `@removed`) are allowed. An unknown
 * property fails even on an open type: the simulator and the client must only use declared ones.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseXml, type XmlElement } from "@ewsdav/ews-simulator";

interface PropertyDef {
  type: string;
  nullable: boolean;
}
interface TypeDef {
  kind: "entity" | "complex";
  base: string | undefined;
  abstract: boolean;
  properties: Map<string, PropertyDef>;
}
interface EnumDef {
  members: Set<string>;
  flags: boolean;
}

/** The loaded schema: checks entities against its types. */
export interface GraphSchema {
  /** Violations of `value` against the entity or complex type `typeName` (`contact`, `microsoft.graph.contact`); empty when it conforms. */
  check(typeName: string, value: unknown): string[];
  /** Whether a type is declared. */
  has(typeName: string): boolean;
}

/**
 * Where the CSDL file is: EWSDAV_GRAPH_SCHEMA (the file, or the folder holding
 * `graph-v1.0-csdl.xml`), else `shared/graph-schema/graph-v1.0-csdl.xml` beside the checkout —
 * found from this module's own place (src/ or dist/ of packages/graph-simulator), whatever the
 * working directory, then from the working directory (the checkout's root) as a last resort.
 */
export function graphSchemaPath(): string {
  const env = process.env.EWSDAV_GRAPH_SCHEMA;
  if (env) return env.endsWith(".xml") ? env : join(env, "graph-v1.0-csdl.xml");
  const candidates: string[] = [];
  const here = (import.meta as { url?: string }).url;
  if (here) candidates.push(fileURLToPath(new URL("../../../../shared/graph-schema/graph-v1.0-csdl.xml", here)));
  candidates.push(join(process.cwd(), "..", "shared", "graph-schema", "graph-v1.0-csdl.xml"));
  return candidates.find((path) => existsSync(path)) ?? candidates[0]!;
}

let cached: GraphSchema | undefined;

/** Loads (once per process) and indexes the CSDL. */
export function loadGraphSchema(path = graphSchemaPath()): GraphSchema {
  if (cached) return cached;
  if (!existsSync(path)) throw new Error(`The Graph CSDL is not at ${path} (set EWSDAV_GRAPH_SCHEMA)`);
  const text = readFileSync(path, "utf8").replace(/^\uFEFF/, "");
  const root = parseXml(text, { maxDepth: 256 });
  const types = new Map<string, TypeDef>();
  const enums = new Map<string, EnumDef>();
  const visit = (node: XmlElement) => {
    if (node.name === "Schema") {
      const ns = node.attrs.Namespace ?? "";
      for (const c of node.children) {
        const name = `${ns}.${c.attrs.Name}`;
        if (c.name === "EntityType" || c.name === "ComplexType") {
          const properties = new Map<string, PropertyDef>();
          for (const p of c.children) {
            if (p.name === "Property" || p.name === "NavigationProperty") {
              properties.set(p.attrs.Name!, { type: p.attrs.Type!, nullable: p.attrs.Nullable !== "false" });
            }
          }
          types.set(name, { kind: c.name === "EntityType" ? "entity" : "complex", base: c.attrs.BaseType, abstract: c.attrs.Abstract === "true", properties });
        } else if (c.name === "EnumType") {
          enums.set(name, { members: new Set(c.children.filter((m) => m.name === "Member").map((m) => m.attrs.Name!)), flags: c.attrs.IsFlags === "true" });
        }
      }
      return;
    }
    for (const c of node.children) visit(c);
  };
  visit(root);
  const full = (name: string) => name.replace(/^graph\./, "microsoft.graph.").replace(/^(?!microsoft\.graph\.|Edm\.|Collection\()/, "microsoft.graph.");

  const lookupProperty = (typeName: string, prop: string): PropertyDef | undefined => {
    for (let t = types.get(full(typeName)); t; t = t.base ? types.get(full(t.base)) : undefined) {
      const p = t.properties.get(prop);
      if (p) return p;
    }
    return undefined;
  };

  const checkValue = (type: string, value: unknown, nullable: boolean, where: string, out: string[]): void => {
    if (value === null) {
      if (!nullable) out.push(`${where}: null where ${type} is not nullable`);
      return;
    }
    const coll = /^Collection\((.+)\)$/.exec(type);
    if (coll) {
      if (!Array.isArray(value)) return void out.push(`${where}: expected a collection of ${coll[1]}`);
      value.forEach((v, i) => checkValue(coll[1]!, v, false, `${where}[${i}]`, out));
      return;
    }
    switch (type) {
      case "Edm.String": if (typeof value !== "string") out.push(`${where}: expected Edm.String`); return;
      case "Edm.Boolean": if (typeof value !== "boolean") out.push(`${where}: expected Edm.Boolean`); return;
      case "Edm.Int16": case "Edm.Int32": case "Edm.Int64": case "Edm.Byte":
        if (typeof value !== "number" || !Number.isInteger(value)) out.push(`${where}: expected ${type}`);
        return;
      case "Edm.Double": case "Edm.Single": case "Edm.Decimal": if (typeof value !== "number") out.push(`${where}: expected ${type}`); return;
      case "Edm.DateTimeOffset":
        if (typeof value !== "string" || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) out.push(`${where}: expected Edm.DateTimeOffset`);
        return;
      case "Edm.Date": if (typeof value !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(value)) out.push(`${where}: expected Edm.Date`); return;
      case "Edm.TimeOfDay": if (typeof value !== "string" || !/^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value)) out.push(`${where}: expected Edm.TimeOfDay`); return;
      case "Edm.Duration": if (typeof value !== "string" || !/^-?P/.test(value)) out.push(`${where}: expected Edm.Duration`); return;
      case "Edm.Guid": if (typeof value !== "string" || !/^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/i.test(value)) out.push(`${where}: expected Edm.Guid`); return;
      case "Edm.Binary": case "Edm.Stream": if (typeof value !== "string" || !/^[A-Za-z0-9+/_-]*=*$/.test(value)) out.push(`${where}: expected ${type}`); return;
    }
    const e = enums.get(full(type));
    if (e) {
      const names = typeof value === "string" ? (e.flags ? value.split(",").map((s) => s.trim()) : [value]) : undefined;
      if (!names || names.some((n) => !e.members.has(n))) out.push(`${where}: ${JSON.stringify(value)} is not a member of ${type}`);
      return;
    }
    if (!types.has(full(type))) return void out.push(`${where}: type ${type} is not in the CSDL`);
    checkObject(type, value, where, out);
  };

  const checkObject = (typeName: string, value: unknown, where: string, out: string[]): void => {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return void out.push(`${where}: expected an object of ${typeName}`);
    let actual = typeName;
    const odataType = (value as Record<string, unknown>)["@odata.type"];
    if (typeof odataType === "string") {
      actual = odataType.replace(/^#/, "");
      if (!types.has(full(actual))) return void out.push(`${where}: @odata.type ${odataType} is not in the CSDL`);
      let derived = false;
      for (let t: string | undefined = full(actual); t; t = types.get(t)?.base ? full(types.get(t)!.base!) : undefined) if (t === full(typeName)) derived = true;
      if (!derived) out.push(`${where}: @odata.type ${odataType} does not derive from ${typeName}`);
    }
    for (const [key, v] of Object.entries(value)) {
      if (key.startsWith("@") || key.includes("@")) {
        if (!/^(@odata\.[\w.]+|@removed|[\w]+@odata\.[\w.]+)$/.test(key)) out.push(`${where}: unknown annotation ${key}`);
        continue;
      }
      const def = lookupProperty(actual, key);
      if (!def) {
        out.push(`${where}.${key}: not a property of ${actual} (or its base types)`);
        continue;
      }
      checkValue(def.type, v, def.nullable, `${where}.${key}`, out);
    }
  };

  cached = {
    has: (name) => types.has(full(name)),
    check(typeName, value) {
      const out: string[] = [];
      if (!types.has(full(typeName))) return [`type ${typeName} is not in the CSDL`];
      checkObject(typeName, value, typeName, out);
      return out;
    },
  };
  return cached;
}

/** A request and its answer as the Graph simulator logs them (its `GraphRequestRecord`). */
export interface LoggedExchange {
  method: string;
  url: string;
  status: number;
  body: unknown;
  response: unknown;
}

/** The entity type a request path's answers and bodies hold (undefined: none to check). */
function typeOfPath(path: string): string | undefined {
  if (/\/translateExchangeIds$/.test(path)) return "convertIdResult";
  if (/\/contactFolders(\/[^/]+)?(\/childFolders)?$/.test(path)) return "contactFolder";
  if (/\/contacts(\/[^/]+)?$/.test(path)) return "contact";
  return undefined;
}

/**
 * Every entity in the logged requests and answers checked against the CSDL: request bodies (what
 * a client sent) and successful answers (single entities and each member of `value`), `$batch`
 * members included. Returns the violations, each prefixed with the request.
 */
export function checkExchanges(exchanges: readonly LoggedExchange[], schema = loadGraphSchema()): string[] {
  const out: string[] = [];
  for (const x of exchanges) {
    const path = x.url.split("?")[0]!;
    const where = `${x.method} ${path}`;
    if (path === "/$batch") continue; // its members are logged on their own
    const type = typeOfPath(path);
    if (!type) continue;
    if (x.body !== undefined && x.method !== "GET" && type !== "convertIdResult") out.push(...schema.check(type, x.body).map((v) => `${where} request: ${v}`));
    if (x.status >= 400 || x.response === undefined) continue;
    const answer = x.response as Record<string, unknown>;
    const members = Array.isArray(answer.value) ? (answer.value as unknown[]) : [answer];
    for (const m of members) out.push(...schema.check(type, m).map((v) => `${where} answer: ${v}`));
  }
  return out;
}
