/**
 * iCalendar ATTACH (RFC 5545 §3.8.1.1) ⇄ EWS file attachments, shared by events and tasks.
 *
 * - Binary (`ATTACH;ENCODING=BASE64;VALUE=BINARY;FMTTYPE=…;X-FILENAME=…:<base64>`) ⇄ a
 *   FileAttachment: the name from X-FILENAME, else FILENAME, else X-APPLE-FILENAME, else
 *   `attachment-<n>`; the content type from FMTTYPE (default `application/octet-stream`).
 * - By reference (`ATTACH:https://…`): Exchange holds links only as ReferenceAttachment, a
 *   OneDrive/SharePoint provider link of Exchange Online, not an arbitrary URI; it is reported
 *   and stays on the DAV side.
 * - Writing EWS's files onto an existing component keeps URI attachments and every binary ATTACH
 *   whose file EWS still has (same name and content) exactly as the client spelled it; the other
 *   binary ATTACH go and EWS's new files are appended.
 * @module
 */
import type { FileAttachment } from "@ewsdav/ews-client";
import type { DroppedProperty } from "../result.js";
import type { JProperty } from "./codec.js";

function param(property: JProperty, name: string): string | undefined {
  const value = property[1][name];
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(",") : String(value);
}

/** Whether an ATTACH carries its content inline (VALUE=BINARY or ENCODING=BASE64). */
export function isBinaryAttach(property: JProperty): boolean {
  return property[2] === "binary" || /base64/i.test(param(property, "encoding") ?? "");
}

/** The file name an ATTACH gives (X-FILENAME, FILENAME, X-APPLE-FILENAME), if any. */
export function attachFileName(property: JProperty): string | undefined {
  return param(property, "x-filename") ?? param(property, "filename") ?? param(property, "x-apple-filename");
}

/** The reason a URI ATTACH is reported. */
export const URI_ATTACH_REASON =
  "Exchange holds links only as reference attachments (ReferenceAttachment: OneDrive/SharePoint files), not an arbitrary URI; the ATTACH stays on the DAV side";

/**
 * Reads ATTACH properties: binary ones become file attachments, URI ones are reported in
 * `dropped`. `index` numbers the unnamed files (`attachment-1`, …) in order of appearance.
 */
export function filesFromAttach(properties: readonly JProperty[], dropped: DroppedProperty[]): FileAttachment[] {
  const files: FileAttachment[] = [];
  properties.forEach((property, index) => {
    if (isBinaryAttach(property)) {
      files.push({
        kind: "file",
        name: attachFileName(property) ?? `attachment-${index + 1}`,
        contentType: param(property, "fmttype") ?? "application/octet-stream",
        content: String(property[3] ?? "").replace(/\s+/g, ""),
      });
    } else dropped.push({ property: "ATTACH", reason: URI_ATTACH_REASON, value: String(property[3] ?? "") });
  });
  return files;
}

/** The ATTACH property for an EWS file (content fetched). */
export function attachFromFile(file: FileAttachment): JProperty {
  return ["attach", { encoding: "BASE64", fmttype: file.contentType ?? "application/octet-stream", "x-filename": file.name }, "binary", file.content ?? ""];
}

/**
 * Reconciles a component's ATTACH properties with EWS's files: which of `properties` to keep
 * (URI attachments, and binary ones whose file EWS still has) and which properties to append.
 */
export function reconcileAttach(properties: readonly JProperty[], files: readonly FileAttachment[]): { kept: JProperty[]; appended: JProperty[] } {
  const unmatched = [...files];
  const kept = properties.filter((property) => {
    if (!isBinaryAttach(property)) return true;
    const name = attachFileName(property);
    const content = String(property[3] ?? "").replace(/\s+/g, "");
    const at = unmatched.findIndex((file) => file.content === content && (name ?? file.name) === file.name);
    if (at < 0) return false;
    unmatched.splice(at, 1);
    return true;
  });
  return { kept, appended: unmatched.map(attachFromFile) };
}

/** Whether two lists of files say the same (names and contents, in order). */
export function sameFiles(a: readonly FileAttachment[] | undefined, b: readonly FileAttachment[] | undefined): boolean {
  const key = (files: readonly FileAttachment[] | undefined) => JSON.stringify((files ?? []).map((file) => [file.name, file.content ?? null]));
  return key(a) === key(b);
}
