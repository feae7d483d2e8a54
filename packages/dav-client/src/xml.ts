/**
 * XML reading and writing for WebDAV bodies.
 *
 * Reading: fast-xml-parser tokenises the document (order preserved, entity processing off);
 * this module then resolves every element name to its namespace URI from the `xmlns`
 * declarations in scope, so `d:href`, `D:href`, `ns0:href` and a default-namespace `href`
 * are all `{DAV:}href`. A DOCTYPE is refused (no entity expansion, no external references);
 * only the five predefined entities and character references are decoded. The document must
 * be well-formed with one root element: fast-xml-parser alone accepts a cut-off body, and a
 * listing cut short would read as members deleted. (The size limit is the transport's
 * `maxResponseBytes`; nesting is bounded by fast-xml-parser.)
 *
 * Writing: request bodies are built from strings with {@link escapeXml}.
 */
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { DavError } from "./errors.js";

/** One element with its name resolved to a namespace URI. */
export interface XmlElement {
  /** Namespace URI (`""` when none is in scope). */
  readonly ns: string;
  /** Local name, without prefix. */
  readonly name: string;
  /** Attributes by their qualified name as written (namespace declarations excluded). */
  readonly attributes: Readonly<Record<string, string>>;
  /** Child elements in document order. */
  readonly children: readonly XmlElement[];
  /** The element's own text (character data and CDATA of direct children), entities decoded. */
  readonly text: string;
}

type FxpNode = Record<string, unknown>;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: "",
  processEntities: false,
  htmlEntities: false,
  trimValues: false,
  parseTagValue: false,
  parseAttributeValue: false,
  cdataPropName: "#cdata",
  ignoreDeclaration: true,
  ignorePiTags: true,
});

const PREDEFINED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/**
 * Whether a code point is a `Char` of XML 1.0 (§2.2): `#x9 | #xA | #xD | [#x20-#xD7FF] |
 * [#xE000-#xFFFD] | [#x10000-#x10FFFF]`. A character reference to anything else (`&#0;`, a
 * surrogate, a value past U+10FFFF) makes the document not well-formed.
 */
export function isXmlChar(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}

/** The character a numeric reference (`#x41`, `#65`) names. @throws DavError `INVALID_XML` outside XML's Char production. */
function characterReference(ref: string): string {
  const digits = (ref.startsWith("#x") ? ref.slice(2) : ref.slice(1)).replace(/^0+(?=.)/, "");
  // Past 8 significant digits every value is out of range; the check also keeps the number exact.
  const code = digits.length > 8 ? Number.NaN : Number.parseInt(digits, ref.startsWith("#x") ? 16 : 10);
  if (!Number.isInteger(code) || !isXmlChar(code)) {
    const shown = ref.length > 12 ? `${ref.slice(0, 12)}…` : ref;
    throw new DavError("INVALID_XML", `XML response is not well-formed: the character reference '&${shown};' names no XML character`);
  }
  return String.fromCodePoint(code);
}

/** Decodes the predefined XML entities and numeric character references; anything else is an error. */
function decodeText(raw: string): string {
  const normalised = raw.includes("\r") ? raw.replace(/\r\n?/g, "\n") : raw;
  if (!normalised.includes("&")) return normalised;
  return normalised.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z][\w.-]*);/g, (_match, ref: string) => {
    if (ref.startsWith("#")) return characterReference(ref);
    const value = PREDEFINED[ref];
    if (value === undefined) throw new DavError("INVALID_XML", `XML response uses the undeclared entity '&${ref};'`);
    return value;
  });
}

/** Escapes text for use in XML character data or a double-quoted attribute. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) =>
    c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : c === '"' ? "&quot;" : "&apos;",
  );
}

function cdataText(value: unknown): string {
  let out = "";
  if (Array.isArray(value)) for (const part of value as FxpNode[]) if (typeof part["#text"] === "string") out += part["#text"];
  return out.replace(/\r\n?/g, "\n");
}

function convert(node: FxpNode, scope: ReadonlyMap<string, string>): XmlElement | undefined {
  let tag: string | undefined;
  for (const key of Object.keys(node)) {
    if (key !== ":@" && key !== "#text" && key !== "#cdata") {
      tag = key;
      break;
    }
  }
  if (tag === undefined || tag.startsWith("?") || tag.startsWith("!")) return undefined;
  const rawAttributes = (node[":@"] ?? {}) as Record<string, unknown>;
  let localScope = scope;
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(rawAttributes)) {
    const text = decodeText(String(value));
    if (name === "xmlns" || name.startsWith("xmlns:")) {
      if (localScope === scope) localScope = new Map(scope);
      (localScope as Map<string, string>).set(name === "xmlns" ? "" : name.slice(6), text);
    } else {
      attributes[name] = text;
    }
  }
  const colon = tag.indexOf(":");
  const prefix = colon === -1 ? "" : tag.slice(0, colon);
  const name = colon === -1 ? tag : tag.slice(colon + 1);
  const ns = localScope.get(prefix);
  if (ns === undefined && prefix !== "") throw new DavError("INVALID_XML", `XML response uses the undeclared namespace prefix '${prefix}'`);
  const children: XmlElement[] = [];
  let text = "";
  const content = node[tag];
  if (Array.isArray(content)) {
    for (const child of content as FxpNode[]) {
      if (typeof child["#text"] === "string") text += decodeText(child["#text"]);
      else if ("#cdata" in child) text += cdataText(child["#cdata"]);
      else {
        const element = convert(child, localScope);
        if (element) children.push(element);
      }
    }
  }
  return { ns: ns ?? "", name, attributes, children, text };
}

/**
 * Parses an XML document into a namespace-resolved element tree.
 * @throws DavError `INVALID_XML` on a DOCTYPE, a document that is not well-formed (cut off,
 * mismatched tags, several roots), an unknown entity, an undeclared prefix or no root element.
 */
export function parseXml(xml: string): XmlElement {
  if (hasDoctype(xml)) throw new DavError("INVALID_XML", "XML response contains a DOCTYPE, which is refused");
  const validation = XMLValidator.validate(xml);
  if (validation !== true) {
    const { msg, line, col } = validation.err;
    throw new DavError("INVALID_XML", `XML response is not well-formed: ${msg} (line ${line}, column ${col})`);
  }
  let nodes: unknown;
  try {
    nodes = parser.parse(xml);
  } catch (error) {
    throw new DavError("INVALID_XML", `XML response is not well-formed: ${(error as Error).message}`, { cause: error });
  }
  const scope = new Map<string, string>([["xml", "http://www.w3.org/XML/1998/namespace"]]);
  let root: XmlElement | undefined;
  if (Array.isArray(nodes)) {
    for (const node of nodes as FxpNode[]) {
      const element = convert(node, scope);
      if (!element) continue;
      if (root) throw new DavError("INVALID_XML", "XML response is not well-formed: more than one root element");
      root = element;
    }
  }
  if (!root) throw new DavError("INVALID_XML", "XML response has no root element");
  return root;
}

/**
 * Whether the document declares a DOCTYPE. Text that merely contains `<!DOCTYPE` inside a
 * CDATA section or a comment (an HTML description in an event, say) is not a declaration.
 */
function hasDoctype(xml: string): boolean {
  if (!/<!DOCTYPE/i.test(xml)) return false;
  return /<!DOCTYPE/i.test(xml.replace(/<!\[CDATA\[[\s\S]*?\]\]>|<!--[\s\S]*?-->/g, ""));
}

/** The first child with the given namespace and local name. */
export function child(element: XmlElement | undefined, ns: string, name: string): XmlElement | undefined {
  return element?.children.find((c) => c.name === name && c.ns === ns);
}

/** Every child with the given namespace and local name. */
export function childrenNamed(element: XmlElement | undefined, ns: string, name: string): XmlElement[] {
  return element ? element.children.filter((c) => c.name === name && c.ns === ns) : [];
}
