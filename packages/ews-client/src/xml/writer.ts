/**
 * Building XML text by code: every text node and attribute value goes through {@link escapeXml}.
 * Children are given as already-built strings, so element order is exactly the order of the code.
 * @module
 */
import { escapeXml } from "./escape.js";

/** Attribute values; `undefined` omits the attribute. */
export type XmlAttributes = Readonly<Record<string, string | number | boolean | undefined>>;

function attributes(attrs: XmlAttributes | undefined): string {
  if (!attrs) return "";
  let out = "";
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined) continue;
    out += ` ${name}="${escapeXml(String(value))}"`;
  }
  return out;
}

/** An element with child markup (already built); empty or missing children make an empty element. */
export function xmlElement(name: string, attrs?: XmlAttributes, ...children: ReadonlyArray<string | undefined | false | null>): string {
  const inner = children.filter((c): c is string => typeof c === "string" && c.length > 0).join("");
  return inner.length === 0 ? `<${name}${attributes(attrs)}/>` : `<${name}${attributes(attrs)}>${inner}</${name}>`;
}

/** An element holding escaped text; `undefined` value yields the empty string (element omitted). */
export function xmlText(name: string, value: string | number | boolean | undefined, attrs?: XmlAttributes): string {
  if (value === undefined) return "";
  return `<${name}${attributes(attrs)}>${escapeXml(String(value))}</${name}>`;
}
