/**
 * Generates `docs/mapping.md` from the mapping rows in `@ewsdav/mappers` (contacts, tasks and
 * events, with the Graph column from the Graph rows), so the documentation cannot drift from the code.
 *
 *   npx tsx scripts/generate-mapping-doc.ts          # writes docs/mapping.md
 *   npx tsx scripts/generate-mapping-doc.ts --check  # exits 1 when docs/mapping.md is stale
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  CONTACT_MAPPING_ROWS, EVENT_MAPPING_ROWS, EWSDAV_EXTENDED_PROPERTIES, GRAPH_CONTACT_MAPPING_ROWS, GRAPH_EVENT_MAPPING_ROWS, GRAPH_TASK_MAPPING_ROWS, GRAPH_UID_PROPERTY_ID,
  TASK_MAPPING_ROWS, type GraphMappingRow, type MappingRow,
} from "../packages/mappers/src/index.js";

/** Where the generated document lives. */
export const MAPPING_DOC_PATH = fileURLToPath(new URL("../docs/mapping.md", import.meta.url));

const SUPPORT: Record<MappingRow["support"], string> = { supported: "Supported", limited: "Limited", "not-supported": "Not supported" };

function cell(text: string | undefined): string {
  return (text ?? "").replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

/** One line of an example as inline code, shortened when long (a photo's base64). */
function code(line: string): string {
  const short = line.length > 90 ? `${line.slice(0, 70)}…` : line;
  return `\`${cell(short)}\``;
}

/** The row's example: the DAV lines, what comes back when it differs, what is reported dropped. */
function example(row: MappingRow): string {
  const e = row.example;
  if (!e) return "—";
  const parts: string[] = [];
  const context = (e.context ?? []).filter((l) => !/^UID:/.test(l));
  if (e.dav.length) parts.push(e.dav.map(code).join("<br>"));
  if (context.length) parts.push(`with ${context.map(code).join(" ")}`);
  if (e.after?.length) parts.push(`and the exception ${code(e.after.filter((l) => /^(RECURRENCE-ID|DTSTART|SUMMARY)/.test(l)).join(" "))}`);
  const back = e.back ?? (row.support === "not-supported" ? [] : e.dav);
  if (e.back && e.dav.length) parts.push(e.back.length ? `→ back: ${e.back.map(code).join("<br>")}` : "→ back: nothing");
  else if (!e.back && back.length && e.dav.length) parts.push("→ back: the same");
  const dropped = e.dropped ?? (row.support === "not-supported" ? [...new Set(e.dav.map((l) => l.split(/[;:]/)[0]!))] : []);
  if (dropped.length) parts.push(`dropped: ${dropped.join(", ")}`);
  if (e.ews) {
    const fields = Object.entries(e.ews.fields).map(([k, v]) => `${k} = ${Array.isArray(v) ? v.join(", ") : String(v)}`);
    if (fields.length) parts.push(`Exchange ${code(fields.join("; "))} → dropped on read: ${e.ews.dropped.join(", ")}`);
    for (const op of e.ews.occurrences ?? []) parts.push(`Exchange: occurrence ${op.instanceIndex} ${op.delete ? "deleted" : "changed"} by another client → the same`);
  }
  return parts.join("; ");
}

/** The Graph column of a row: the Graph field(s), Graph's support, what differs. */
function graphCell(row: GraphMappingRow | undefined): string {
  if (!row) return "—";
  const fields = row.graphFields.map((field) => `\`${cell(field)}\``).join(", ");
  return `${fields ? `${fields} — ` : ""}${SUPPORT[row.support]}${row.notes ? `. ${cell(row.notes)}` : ""}`;
}

function table(rows: readonly MappingRow[], propertyHeading: string, graph: readonly GraphMappingRow[]): string {
  const lines = [`| ${propertyHeading} | EWS field(s) | Support | Limit | Notes | Example (checked) | Graph |`, "| --- | --- | --- | --- | --- | --- | --- |"];
  const key = (row: { property: string; ewsFields: readonly string[] }) => `${row.property}|${row.ewsFields.join(",")}`;
  const byKey = new Map(graph.filter((row) => !row.graphOnly).map((row) => [key(row), row]));
  for (const row of rows) {
    const fields = row.ewsFields.length > 0 ? row.ewsFields.map((field) => `\`${cell(field)}\``).join(", ") : "—";
    lines.push(`| ${cell(row.property)} | ${fields} | ${SUPPORT[row.support]} | ${cell(row.limit) || "—"} | ${cell(row.notes)} | ${example(row)} | ${graphCell(byKey.get(key(row)))} |`);
  }
  const only = graph.filter((row) => row.graphOnly);
  if (only.length) {
    lines.push("", "Graph properties no row above names:", "", "| Graph property | Support | Notes |", "| --- | --- | --- |");
    for (const row of only) lines.push(`| ${row.graphFields.map((field) => `\`${cell(field)}\``).join(", ")} | ${SUPPORT[row.support]} | ${cell(row.notes)} |`);
  }
  return lines.join("\n");
}

function counts(rows: readonly MappingRow[]): string {
  const by = (support: MappingRow["support"]) => rows.filter((row) => row.support === support).length;
  return `${rows.length} rows: ${by("supported")} supported, ${by("limited")} limited, ${by("not-supported")} not supported.`;
}

/** The whole document, as the rows say it today. */
export async function renderMappingDoc(): Promise<string> {
  const fieldUri = (uri: { propertySetId?: string; propertyName?: string; propertyTag?: string; propertyType: string }) =>
    uri.propertyTag !== undefined ? `tag \`${uri.propertyTag}\` (${uri.propertyType})` : `\`${uri.propertyName}\` (${uri.propertyType}, set \`${uri.propertySetId}\`)`;
  const sections = [
    "# Mapping between vCard / iCalendar and EWS",
    "",
    "<!-- Generated by scripts/generate-mapping-doc.ts from the mapping rows in @ewsdav/mappers. Do not edit by hand: change the rows and run `npx tsx scripts/generate-mapping-doc.ts`. -->",
    "",
    "Every direction of every mapper returns what it could not carry (`dropped`: property, reason, value,",
    "and a typed `MapperError` for values that could not be read). Writing an EWS item into a DAV object",
    "that already exists merges onto it: a field EWS did not change keeps the DAV property exactly as it",
    "was, and what EWS cannot hold stays untouched.",
    "",
    "- **Supported**: carried both ways; round-trips exactly.",
    "- **Limited**: EWS keeps what fits (the limit says how much); the rest is reported and kept on the DAV side.",
    "- **Not supported**: no EWS field; reported, and kept on the DAV side by the merge.",
    "",
    "Every row has an example, and `packages/core/test/mapping-claims.test.ts` checks the claim with it",
    "against the EWS side over the EWS simulator, both ways: the DAV lines are written through the EWS side",
    "and read back, and a copy of the Exchange item made by another client (EWS `CreateItem`, with the",
    "Exchange-only fields of the example) is read through the EWS side. A supported row must come back",
    "equal (normalised: parameter order and case) with nothing dropped; a limited row must come back with",
    "the limit applied (\"back\") and the excess in `dropped`; a not-supported row must be in `dropped`.",
    "",
    "Extended properties the mappers read (the EWS side asks for them with the item, `EWSDAV_EXTENDED_PROPERTIES`):",
    "",
    `- contacts: ${EWSDAV_EXTENDED_PROPERTIES.contact.map(fieldUri).join(", ")}`,
    `- tasks: ${EWSDAV_EXTENDED_PROPERTIES.task.map(fieldUri).join(", ")}`,
    "",
    "The **Graph** column says what each property becomes over Microsoft Graph (`graphContactToVCard` /",
    "`graphContactFromVCard`, `graphEventToICalendar` / `graphEventFromICalendar`, `graphTaskToVTodo` /",
    "`graphTaskFromVTodo`). The Graph mappers read a Graph resource into the EWS model and use the EWS",
    "mappers, so every row the Graph column calls \"as over EWS\" behaves exactly as the EWS columns say;",
    "what Graph cannot hold that EWS could is reported on the write and, on the read, kept from the DAV",
    "side's text (the basis) so a round trip through Graph never wipes it. The UID of contacts and events is",
    `the same named property as over EWS (\`${GRAPH_UID_PROPERTY_ID}\`); a To Do task's is the open`,
    "extension `ewsdav.uid`.",
    "",
    "## Contacts (vCard 3.0 / 4.0 ⇄ `Contact`)",
    "",
    counts(CONTACT_MAPPING_ROWS),
    "",
    table(CONTACT_MAPPING_ROWS, "vCard property", GRAPH_CONTACT_MAPPING_ROWS),
    "",
    "## Tasks (VTODO ⇄ `Task`)",
    "",
    counts(TASK_MAPPING_ROWS),
    "",
    table(TASK_MAPPING_ROWS, "iCalendar property", GRAPH_TASK_MAPPING_ROWS),
    "",
  ];
  sections.push("## Events (VEVENT ⇄ `CalendarItem`)", "", counts(EVENT_MAPPING_ROWS), "", table(EVENT_MAPPING_ROWS, "iCalendar property", GRAPH_EVENT_MAPPING_ROWS), "");
  return sections.join("\n");
}

async function main(): Promise<void> {
  const doc = await renderMappingDoc();
  if (process.argv.includes("--check")) {
    const current = existsSync(MAPPING_DOC_PATH) ? readFileSync(MAPPING_DOC_PATH, "utf8") : "";
    if (current !== doc) {
      console.error("docs/mapping.md is stale: run `npx tsx scripts/generate-mapping-doc.ts`");
      process.exit(1);
    }
    console.log("docs/mapping.md is up to date");
    return;
  }
  writeFileSync(MAPPING_DOC_PATH, doc);
  console.log(`wrote ${MAPPING_DOC_PATH}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
