/**
 * Safe XML parsing of server responses. Before the parser sees a byte, the text is scanned once:
 * a DOCTYPE or ENTITY declaration, nesting deeper than the limit, or a document over the size
 * limit is refused with {@link XmlSecurityError}. The parser (fast-xml-parser) runs with entity
 * processing off; only the five predefined entities and character references are decoded, by us.
 * @module
 */
import { XMLParser } from "fast-xml-parser";
import { XmlSecurityError } from "../errors.js";

/** One element of a parsed document: local name (namespace prefix removed), attributes, children, text. */
export interface XmlElement {
  /** Local name, without prefix. */
  name: string;
  /** Attributes by local name, decoded. */
  attributes: Record<string, string>;
  /** Child elements in document order. */
  children: XmlElement[];
  /** Concatenated decoded text content directly inside this element. */
  text: string;
}

/** Limits applied before parsing. */
export interface XmlLimits {
  /** Largest accepted document, in UTF-16 code units of the decoded text (default 64 MiB). */
  maxLength?: number;
  /** Deepest accepted element nesting (default 64). */
  maxDepth?: number;
}

/** Default limits. */
export const DEFAULT_XML_LIMITS: Required<XmlLimits> = { maxLength: 64 * 1024 * 1024, maxDepth: 64 };

const PREDEFINED: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

/** Decodes the predefined entities and character references; refuses any other entity reference. */
export function decodeXmlText(raw: string): string {
  if (!raw.includes("&")) return raw;
  return raw.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z_][\w.-]*);?/g, (match, ref: string) => {
    if (!match.endsWith(";")) throw new XmlSecurityError("malformed", `Malformed entity reference "${match.slice(0, 20)}"`);
    if (ref.startsWith("#")) {
      const code = ref.startsWith("#x") ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
      // XML 1.0 Char: no NUL, no surrogates, nothing beyond U+10FFFF.
      if (!(code > 0 && code <= 0x10ffff) || (code >= 0xd800 && code <= 0xdfff)) {
        throw new XmlSecurityError("malformed", `Character reference "${match.slice(0, 20)}" names no XML character`);
      }
      return String.fromCodePoint(code);
    }
    const value = PREDEFINED[ref];
    if (value === undefined) throw new XmlSecurityError("entity", `Undeclared entity reference &${ref.slice(0, 40)}; refused`);
    return value;
  });
}

/**
 * Scans the raw document and throws {@link XmlSecurityError} when it holds a DOCTYPE or ENTITY
 * declaration, nests deeper than `maxDepth`, exceeds `maxLength`, or is structurally broken.
 */
export function assertSafeXml(text: string, limits: XmlLimits = {}): void {
  const maxLength = limits.maxLength ?? DEFAULT_XML_LIMITS.maxLength;
  const maxDepth = limits.maxDepth ?? DEFAULT_XML_LIMITS.maxDepth;
  if (text.length > maxLength) throw new XmlSecurityError("size", `XML document of ${text.length} characters exceeds the limit of ${maxLength}`);
  let i = 0;
  let depth = 0;
  const n = text.length;
  for (;;) {
    const lt = text.indexOf("<", i);
    if (lt < 0) break;
    if (text.startsWith("<!--", lt)) {
      const end = text.indexOf("-->", lt + 4);
      if (end < 0) throw new XmlSecurityError("malformed", "Unterminated XML comment");
      i = end + 3;
      continue;
    }
    if (text.startsWith("<![CDATA[", lt)) {
      const end = text.indexOf("]]>", lt + 9);
      if (end < 0) throw new XmlSecurityError("malformed", "Unterminated CDATA section");
      i = end + 3;
      continue;
    }
    if (text.startsWith("<!", lt)) {
      const word = text.slice(lt + 2, lt + 9).toUpperCase();
      if (word.startsWith("DOCTYPE")) throw new XmlSecurityError("doctype", "XML with a DOCTYPE declaration refused");
      if (word.startsWith("ENTITY")) throw new XmlSecurityError("entity", "XML with an ENTITY declaration refused");
      throw new XmlSecurityError("malformed", "Unexpected markup declaration in XML");
    }
    if (text.startsWith("<?", lt)) {
      const end = text.indexOf("?>", lt + 2);
      if (end < 0) throw new XmlSecurityError("malformed", "Unterminated processing instruction");
      i = end + 2;
      continue;
    }
    const closing = text.charCodeAt(lt + 1) === 47; /* '/' */
    let j = lt + 1;
    let quote = 0;
    for (; j < n; j++) {
      const c = text.charCodeAt(j);
      if (quote !== 0) {
        if (c === quote) quote = 0;
      } else if (c === 34 || c === 39) quote = c;
      else if (c === 62) break; /* '>' */
    }
    if (j >= n) throw new XmlSecurityError("malformed", "Unterminated XML tag");
    if (closing) depth--;
    else if (text.charCodeAt(j - 1) !== 47) {
      depth++;
      if (depth > maxDepth) throw new XmlSecurityError("depth", `XML nested deeper than the limit of ${maxDepth} elements`);
    }
    i = j + 1;
  }
}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: "",
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: false,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  maxNestedTags: 10_000,
});

type OrderedNode = Record<string, unknown>;

function convert(node: OrderedNode): XmlElement | string | undefined {
  let name: string | undefined;
  for (const key of Object.keys(node)) {
    if (key !== ":@") {
      name = key;
      break;
    }
  }
  if (name === undefined) return undefined;
  if (name === "#text") return decodeXmlText(String(node["#text"] ?? ""));
  const attrs: Record<string, string> = {};
  const rawAttrs = node[":@"] as Record<string, unknown> | undefined;
  if (rawAttrs) {
    for (const [k, v] of Object.entries(rawAttrs)) {
      if (k === "xmlns" || k.startsWith("xmlns:")) continue;
      attrs[k] = decodeXmlText(String(v));
    }
  }
  const element: XmlElement = { name, attributes: attrs, children: [], text: "" };
  const rawChildren = node[name];
  if (Array.isArray(rawChildren)) {
    for (const child of rawChildren as OrderedNode[]) {
      const converted = convert(child);
      if (converted === undefined) continue;
      if (typeof converted === "string") element.text += converted;
      else element.children.push(converted);
    }
  }
  return element;
}

/** Parses a document after {@link assertSafeXml}; returns its root element. */
export function parseXml(text: string, limits: XmlLimits = {}): XmlElement {
  assertSafeXml(text, limits);
  let nodes: unknown;
  try {
    nodes = parser.parse(text);
  } catch (error) {
    throw new XmlSecurityError("malformed", `Malformed XML: ${(error as Error).message}`, { cause: error });
  }
  if (Array.isArray(nodes)) {
    for (const node of nodes as OrderedNode[]) {
      const converted = convert(node);
      if (converted !== undefined && typeof converted !== "string") return converted;
    }
  }
  throw new XmlSecurityError("malformed", "XML document without a root element");
}

/** The first child with the given local name. */
export function child(element: XmlElement | undefined, name: string): XmlElement | undefined {
  return element?.children.find((c) => c.name === name);
}

/** Every child with the given local name. */
export function children(element: XmlElement | undefined, name: string): XmlElement[] {
  return element ? element.children.filter((c) => c.name === name) : [];
}

/** The text of the first child with the given name, or `undefined` when absent. */
export function childText(element: XmlElement | undefined, name: string): string | undefined {
  return child(element, name)?.text;
}

/** Follows a path of child names. */
export function path(element: XmlElement | undefined, ...names: string[]): XmlElement | undefined {
  let current = element;
  for (const name of names) current = child(current, name);
  return current;
}
