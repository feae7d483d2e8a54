/**
 * The simulator's own XML layer: a small, strict, namespace-aware parser that refuses DTDs and
 * entity declarations, an element tree, and a serializer. Independent of the client's parser so
 * the simulator cannot inherit the client's mistakes.
 */

/** SOAP 1.1 envelope namespace. */
export const NS_SOAP = "http://schemas.xmlsoap.org/soap/envelope/";
/** EWS messages namespace (`m:`). */
export const NS_M = "http://schemas.microsoft.com/exchange/services/2006/messages";
/** EWS types namespace (`t:`). */
export const NS_T = "http://schemas.microsoft.com/exchange/services/2006/types";
/** EWS errors namespace used in SOAP fault details (`e:`). */
export const NS_E = "http://schemas.microsoft.com/exchange/services/2006/errors";
const NS_XML = "http://www.w3.org/XML/1998/namespace";

/** One element of a parsed or built document. Text and children are not mixed in EWS. */
export interface XmlElement {
  /** Namespace URI ("" when none). */
  ns: string;
  /** Local name. */
  name: string;
  /** Attributes by name (unprefixed attributes by local name; others as `prefix:local`). */
  attrs: Record<string, string>;
  /** Child elements in document order. */
  children: XmlElement[];
  /** Text content (concatenated, entity-decoded). */
  text: string;
}

/** Why a document was refused by {@link parseXml}. */
export class SimXmlError extends Error {
  /** Always `ErrorSchemaValidation`-worthy: the document is not acceptable XML. */
  readonly code = "SIM_XML_INVALID";
  constructor(
    message: string,
    /** 1-based line of the problem. */
    readonly line: number,
    /** 1-based column of the problem. */
    readonly column: number,
  ) {
    super(message);
    this.name = "SimXmlError";
  }
}

/** Limits for {@link parseXml}. */
export interface XmlParseLimits {
  /** Maximum element nesting depth (default 64). */
  maxDepth?: number;
}

const NAME = /^[A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?$/;
const ATTR = /\s*([^\s=/>]+)\s*=\s*(?:"([^"<]*)"|'([^'<]*)')/y;

function decodeEntities(raw: string, where: () => [number, number]): string {
  if (!raw.includes("&")) return raw;
  return raw.replace(/&([^;&\s]*);?/g, (whole, name: string) => {
    if (!whole.endsWith(";")) throw new SimXmlError("An '&' is not followed by an entity reference.", ...where());
    switch (name) {
      case "lt": return "<";
      case "gt": return ">";
      case "amp": return "&";
      case "quot": return '"';
      case "apos": return "'";
    }
    const numeric = /^#(x[0-9a-fA-F]+|[0-9]+)$/.exec(name);
    if (numeric) {
      const code = numeric[1]!.startsWith("x") ? parseInt(numeric[1]!.slice(1), 16) : parseInt(numeric[1]!, 10);
      if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff) || code === 0xfffe || code === 0xffff || (code < 0x20 && code !== 9 && code !== 10 && code !== 13)) {
        throw new SimXmlError(`Character reference &${name}; is not a legal XML character.`, ...where());
      }
      return String.fromCodePoint(code);
    }
    throw new SimXmlError(`Reference to undeclared entity '${name}'.`, ...where());
  });
}

/**
 * Parses a whole document and returns its root element. Refuses DOCTYPE and ENTITY
 * declarations, undeclared entities, unbound prefixes, mismatched tags and nesting deeper
 * than the limit, with a {@link SimXmlError} carrying the position.
 */
export function parseXml(source: string, limits: XmlParseLimits = {}): XmlElement {
  const maxDepth = limits.maxDepth ?? 64;
  const text = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
  let pos = 0;
  const position = (at = pos): [number, number] => {
    let line = 1;
    let last = -1;
    for (let i = text.indexOf("\n"); i !== -1 && i < at; i = text.indexOf("\n", i + 1)) {
      line++;
      last = i;
    }
    return [line, at - last];
  };
  const fail = (message: string, at = pos): never => {
    throw new SimXmlError(message, ...position(at));
  };

  interface Frame { el: XmlElement; qname: string; scope: Map<string, string> }
  const stack: Frame[] = [];
  let root: XmlElement | undefined;
  const rootScope = new Map<string, string>([["xml", NS_XML]]);

  while (pos < text.length) {
    const lt = text.indexOf("<", pos);
    const chunk = text.slice(pos, lt === -1 ? text.length : lt);
    if (chunk.length > 0) {
      const top = stack[stack.length - 1];
      if (top) top.el.text += decodeEntities(chunk, () => position());
      else if (chunk.trim() !== "") fail("Data at the root level is invalid.");
    }
    if (lt === -1) break;
    pos = lt;
    if (text.startsWith("<?", pos)) {
      const end = text.indexOf("?>", pos);
      if (end === -1) fail("Unterminated processing instruction.");
      pos = end + 2;
    } else if (text.startsWith("<!--", pos)) {
      const end = text.indexOf("-->", pos + 4);
      if (end === -1) fail("Unterminated comment.");
      pos = end + 3;
    } else if (text.startsWith("<![CDATA[", pos)) {
      const end = text.indexOf("]]>", pos);
      const top = stack[stack.length - 1];
      if (end === -1 || !top) fail("Misplaced or unterminated CDATA section.");
      top!.el.text += text.slice(pos + 9, end);
      pos = end + 3;
    } else if (text.startsWith("<!", pos)) {
      const what = /^<!(DOCTYPE|ENTITY)/i.test(text.slice(pos, pos + 10))
        ? "For security reasons DTD is prohibited in this XML document."
        : "Unexpected markup declaration.";
      fail(what);
    } else if (text.startsWith("</", pos)) {
      const end = text.indexOf(">", pos);
      if (end === -1) fail("Unterminated end tag.");
      const qname = text.slice(pos + 2, end).trim();
      const top = stack.pop();
      if (!top || top.qname !== qname) fail(`The end tag '${qname}' does not match the start tag '${top?.qname ?? ""}'.`);
      pos = end + 1;
    } else {
      const nameMatch = /^<([^\s/>]+)/.exec(text.slice(pos, pos + 256));
      if (!nameMatch || !NAME.test(nameMatch[1]!)) fail("Invalid element name.");
      const qname = nameMatch![1]!;
      if (root && stack.length === 0) fail("There are multiple root elements.");
      if (stack.length >= maxDepth) fail(`Elements are nested deeper than ${maxDepth} levels.`);
      let cursor = pos + 1 + qname.length;
      const rawAttrs: Array<[string, string]> = [];
      for (;;) {
        ATTR.lastIndex = cursor;
        const m = ATTR.exec(text);
        if (!m) break;
        rawAttrs.push([m[1]!, decodeEntities(m[2] ?? m[3] ?? "", () => position(cursor))]);
        cursor = ATTR.lastIndex;
      }
      while (cursor < text.length && /\s/.test(text[cursor]!)) cursor++;
      const selfClosing = text.startsWith("/>", cursor);
      if (!selfClosing && text[cursor] !== ">") fail(`Malformed start tag '${qname}'.`, cursor);
      pos = cursor + (selfClosing ? 2 : 1);

      const parentScope = stack[stack.length - 1]?.scope ?? rootScope;
      let scope = parentScope;
      const seen = new Set<string>();
      for (const [name, value] of rawAttrs) {
        if (seen.has(name)) fail(`Attribute '${name}' is repeated.`);
        seen.add(name);
        if (name === "xmlns" || name.startsWith("xmlns:")) {
          if (scope === parentScope) scope = new Map(parentScope);
          scope.set(name === "xmlns" ? "" : name.slice(6), value);
        }
      }
      const colon = qname.indexOf(":");
      const prefix = colon === -1 ? "" : qname.slice(0, colon);
      const ns = scope.get(prefix);
      if (ns === undefined && prefix !== "") fail(`'${prefix}' is an undeclared prefix.`);
      const attrs: Record<string, string> = {};
      for (const [name, value] of rawAttrs) {
        if (name === "xmlns" || name.startsWith("xmlns:")) continue;
        const c = name.indexOf(":");
        if (c !== -1 && !scope.has(name.slice(0, c))) fail(`'${name.slice(0, c)}' is an undeclared prefix.`);
        attrs[name] = value;
      }
      const el: XmlElement = { ns: ns ?? "", name: colon === -1 ? qname : qname.slice(colon + 1), attrs, children: [], text: "" };
      const parent = stack[stack.length - 1];
      if (parent) parent.el.children.push(el);
      else root = el;
      if (!selfClosing) stack.push({ el, qname, scope });
    }
  }
  if (stack.length > 0) fail(`Unexpected end of file: '${stack[stack.length - 1]!.qname}' is not closed.`);
  if (!root) fail("Root element is missing.");
  return root!;
}

/** Builds an element in the types namespace (or `ns`). */
export function el(
  name: string,
  attrs: Record<string, string | number | boolean | undefined> = {},
  content: Array<XmlElement | undefined | false> | string | number | boolean = [],
  ns: string = NS_T,
): XmlElement {
  const cleanAttrs: Record<string, string> = {};
  for (const k in attrs) {
    const v = attrs[k];
    if (v !== undefined) cleanAttrs[k] = String(v);
  }
  if (Array.isArray(content)) {
    const children: XmlElement[] = [];
    for (const c of content) if (c) children.push(c);
    return { ns, name, attrs: cleanAttrs, children, text: "" };
  }
  return { ns, name, attrs: cleanAttrs, children: [], text: String(content) };
}

/** Builds an element in the messages namespace. */
export function mEl(
  name: string,
  attrs: Record<string, string | number | boolean | undefined> = {},
  content: Array<XmlElement | undefined | false> | string | number | boolean = [],
): XmlElement {
  return el(name, attrs, content, NS_M);
}

/** The first child with this local name (any namespace). */
export function child(parent: XmlElement | undefined, name: string): XmlElement | undefined {
  return parent?.children.find((c) => c.name === name);
}

/** All children with this local name. */
export function childrenNamed(parent: XmlElement | undefined, name: string): XmlElement[] {
  return parent ? parent.children.filter((c) => c.name === name) : [];
}

/** Trimmed text of the named child, or undefined. */
export function childText(parent: XmlElement | undefined, name: string): string | undefined {
  const c = child(parent, name);
  return c ? c.text.trim() : undefined;
}

/** A deep copy of an element tree. */
export function cloneElement(source: XmlElement): XmlElement {
  return { ns: source.ns, name: source.name, attrs: { ...source.attrs }, children: source.children.map(cloneElement), text: source.text };
}

const PREFIXES: Record<string, string> = { [NS_SOAP]: "s", [NS_M]: "m", [NS_T]: "t", [NS_E]: "e", [NS_XML]: "xml" };

const TEXT_SPECIALS = /[&<>]/;
const ATTR_SPECIALS = /[&<>"]/;

function escapeText(value: string): string {
  if (!TEXT_SPECIALS.test(value)) return value;
  return value.replace(/[&<>]/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : "&gt;"));
}
function escapeAttr(value: string): string {
  if (!ATTR_SPECIALS.test(value)) return value;
  return value.replace(/[&<>"]/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : "&quot;"));
}

/** Appends `node` to `out` (one string built by concatenation: no array of pieces to join). */
function serializeNode(node: XmlElement, extra: Record<string, string> | undefined, out: string): string {
  const prefix = node.ns === "" ? "" : PREFIXES[node.ns];
  if (prefix === undefined) throw new Error(`No prefix known for namespace ${node.ns}`);
  const qname = prefix === "" ? node.name : `${prefix}:${node.name}`;
  out += `<${qname}`;
  if (extra !== undefined) for (const k in extra) out += ` ${k}="${escapeAttr(extra[k]!)}"`;
  const attrs = node.attrs;
  for (const k in attrs) out += ` ${k}="${escapeAttr(attrs[k]!)}"`;
  const children = node.children;
  if (children.length === 0 && node.text === "") return `${out}/>`;
  out += ">";
  if (children.length > 0) for (let i = 0; i < children.length; i++) out = serializeNode(children[i]!, undefined, out);
  else out += escapeText(node.text);
  return `${out}</${qname}>`;
}

/**
 * Serializes an element with the fixed prefixes s/m/t/e. Namespace declarations are given
 * by the caller through `declare` on the element where they should appear.
 */
export function serializeXml(root: XmlElement, declare: Record<string, string> = {}): string {
  return serializeNode(root, declare, "");
}

/** The xmlns declarations for the fixed prefixes, to pass as `declare` to {@link serializeXml}. */
export function namespaceDeclarations(...namespaces: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const ns of namespaces) out[`xmlns:${PREFIXES[ns]}`] = ns;
  return out;
}
