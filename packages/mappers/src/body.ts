/**
 * Item bodies ⇄ NOTE / DESCRIPTION: vCard and iCalendar carry plain text, so an HTML body from
 * Exchange is reduced to text (and reported when that loses formatting).
 */
import type { ItemBase } from "@ewsdav/ews-client";
import type { DroppedProperty } from "./result.js";

/** Plain text of an HTML body: line breaks for block ends, tags removed, common entities decoded. */
export function htmlToText(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, "\n")
    .replace(/<\/(p|div|li|tr|h[1-6])>/gi, "\n")
    .replace(/<[^>]*>/g, "")
    .replace(/&nbsp;/g, " ")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code) % 0x110000))
    .replace(/&amp;/g, "&")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/**
 * The text an EWS body stands for in the caller's text property (HTML reduced to text). `property`
 * names that property (`NOTE` for contacts, `DESCRIPTION` for tasks) in the reason reported when
 * formatting is lost.
 */
export function bodyText(item: ItemBase, dropped: DroppedProperty[] | null, property: "NOTE" | "DESCRIPTION"): string | undefined {
  const body = item.body;
  if (!body || body.value === "") return undefined;
  if (body.bodyType === "HTML") {
    const text = htmlToText(body.value);
    if (dropped && /<(?!\/?(p|div|br|span|html|head|body|meta)\b)[a-z]/i.test(body.value)) {
      dropped.push({ property: "Body", reason: `HTML formatting is reduced to text in ${property}` });
    }
    return text === "" ? undefined : text;
  }
  return body.value.replace(/\r\n?/g, "\n");
}

