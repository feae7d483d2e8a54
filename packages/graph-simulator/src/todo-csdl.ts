/**
 * CSDL conformance of To Do and contact-photo exchanges (for tests), beside `checkExchanges` of
 * csdl.ts: the entity type of each `/todo/…` and `/contacts/{id}/photo` path, and open extensions
 * taken as the open type they are — their declared properties (`id`, `extensionName`) checked
 * against the CSDL, their custom properties required to be primitives or arrays of primitives
 * (what Graph stores in an open extension).
 */
import { loadGraphSchema, type GraphSchema, type LoggedExchange } from "./csdl.js";

const OPEN_EXTENSION = /^#?microsoft\.graph\.openTypeExtension$/;
const DECLARED = new Set(["id", "extensionName"]);
const primitive = (v: unknown) => v === null || ["string", "number", "boolean"].includes(typeof v);

/** The entity type a To Do or photo path's answers and bodies hold (undefined: none to check). */
export function todoTypeOfPath(path: string): string | undefined {
  if (/\/contacts\/[^/]+\/photo$/.test(path)) return "profilePhoto";
  if (/\/photo\/\$value$/.test(path)) return undefined;
  if (/\/todo\/lists\/[^/]+\/tasks\/[^/]+\/checklistItems(\/[^/]+)?$/.test(path)) return "checklistItem";
  if (/\/todo\/lists\/[^/]+\/tasks\/[^/]+\/linkedResources(\/[^/]+)?$/.test(path)) return "linkedResource";
  if (/\/todo\/lists\/[^/]+\/tasks\/[^/]+\/extensions(\/[^/]+)?$/.test(path)) return "openTypeExtension";
  if (/\/todo\/lists\/[^/]+\/tasks(\/[^/]+)?$/.test(path)) return "todoTask";
  if (/\/todo\/lists(\/[^/]+)?$/.test(path)) return "todoTaskList";
  return undefined;
}

/**
 * A copy of `value` with every open extension reduced to its declared properties; the custom
 * ones are checked here (primitives or arrays of them) and their violations returned.
 */
function reduceOpenExtensions(value: unknown, asExtension: boolean, where: string, out: string[]): unknown {
  if (Array.isArray(value)) return value.map((v, i) => reduceOpenExtensions(v, asExtension, `${where}[${i}]`, out));
  if (typeof value !== "object" || value === null) return value;
  const record = value as Record<string, unknown>;
  const isExtension = asExtension || (typeof record["@odata.type"] === "string" && OPEN_EXTENSION.test(record["@odata.type"]));
  const copy: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) {
    if (isExtension && !k.includes("@") && !DECLARED.has(k)) {
      if (!primitive(v) && !(Array.isArray(v) && v.every(primitive))) out.push(`${where}.${k}: an open extension's custom property must be a primitive or an array of primitives`);
      continue;
    }
    copy[k] = isExtension ? v : reduceOpenExtensions(v, false, `${where}.${k}`, out);
  }
  return copy;
}

/** Violations of one entity against a type, open extensions taken as open. */
export function checkTodoEntity(type: string, value: unknown, schema: GraphSchema = loadGraphSchema()): string[] {
  const out: string[] = [];
  const reduced = reduceOpenExtensions(value, type === "openTypeExtension", type, out);
  return [...out, ...schema.check(type, reduced)];
}

/**
 * Every To Do and contact-photo entity in the logged requests and answers checked against the
 * CSDL: request bodies (what a client sent; photo bytes are not JSON and are skipped) and
 * successful answers (single entities and each member of `value`). Returns the violations.
 */
export function checkTodoExchanges(exchanges: readonly LoggedExchange[], schema: GraphSchema = loadGraphSchema()): string[] {
  const out: string[] = [];
  for (const x of exchanges) {
    const path = x.url.split("?")[0]!.replace(/\/(delta|microsoft\.graph\.delta)(\(\))?$/, "");
    const type = todoTypeOfPath(path);
    if (!type) continue;
    const where = `${x.method} ${path}`;
    if (x.body !== undefined && x.method !== "GET" && !(x.body instanceof Uint8Array)) out.push(...checkTodoEntity(type, x.body, schema).map((v) => `${where} request: ${v}`));
    if (x.status >= 400 || x.response === undefined || x.response instanceof Uint8Array) continue;
    const answer = x.response as Record<string, unknown>;
    const members = Array.isArray(answer.value) ? (answer.value as unknown[]) : [answer];
    for (const m of members) out.push(...checkTodoEntity(type, m, schema).map((v) => `${where} answer: ${v}`));
  }
  return out;
}
