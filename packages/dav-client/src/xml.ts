/**
 * XML reading and writing for WebDAV bodies.
 *
 * Reading: one pass over the text builds the element tree and checks well-formedness at once
 * (every start tag closed by its own end tag, one root element, nothing but comments and
 * processing instructions outside it, attributes quoted and not repeated), resolving every
 * element name to its namespace URI from the `xmlns` declarations in scope, so `d:href`,
 * `D:href`, `ns0:href` and a default-namespace `href` are all `{DAV:}href`. A DOCTYPE is
 * refused (no entity expansion, no external references); only the five predefined entities and
 * character references to XML characters are decoded. A body cut off reads as an error, never
 * as a shorter document (a listing cut short would read as members deleted). Nesting is bounded
 * (`maxDepth`), and the loop keeps its own stack, so no input can overflow the call stack.
 *
 * Memory: the tree is the only copy made of the text (fast-xml-parser's tree plus a separate
 * validation pass cost 15–17× the body for a listing; see bench/dav-parse-memory.ts). With
 * `onRootChild`, each child of the root is handed over as soon as it is complete and not kept
 * in the tree, so a caller that reduces each DAV:response to a few fields holds only those.
 *
 * Writing: request bodies are built from strings with {@link escapeXml}.
 */
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

/** Options of {@link parseXml}. */
export interface ParseXmlOptions {
  /**
   * Receives each child element of the root as soon as it is complete; such children are then
   * not kept in the root's `children` (the caller keeps what it needs of each).
   */
  readonly onRootChild?: ((element: XmlElement) => void) | undefined;
  /** Deepest element nesting accepted (default 100). */
  readonly maxDepth?: number | undefined;
}

const PREDEFINED: ReadonlyMap<string, string> = new Map([
  ["amp", "&"],
  ["lt", "<"],
  ["gt", ">"],
  ["quot", '"'],
  ["apos", "'"],
]);

/** Most attributes one element may have (DAV elements have a handful; this bounds a hostile tag's cost). */
const MAX_ATTRIBUTES = 256;

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

const REFERENCE = /^(?:#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z_][\w.-]*)$/;

/** Decodes the predefined XML entities and numeric character references; anything else is an error. */
function decodeText(raw: string): string {
  const text = raw.includes("\r") ? raw.replace(/\r\n?/g, "\n") : raw;
  let amp = text.indexOf("&");
  if (amp === -1) return text;
  let out = "";
  let last = 0;
  while (amp !== -1) {
    const semicolon = text.indexOf(";", amp + 1);
    const ref = semicolon === -1 || semicolon - amp > 64 ? "" : text.slice(amp + 1, semicolon);
    if (!REFERENCE.test(ref)) throw new DavError("INVALID_XML", "XML response is not well-formed: '&' that starts no entity or character reference");
    let value: string | undefined;
    if (ref.charCodeAt(0) === 0x23 /* # */) value = characterReference(ref);
    else {
      value = PREDEFINED.get(ref);
      if (value === undefined) throw new DavError("INVALID_XML", `XML response uses the undeclared entity '&${ref.length > 20 ? `${ref.slice(0, 20)}…` : ref};'`);
    }
    out += text.slice(last, amp) + value;
    last = semicolon + 1;
    amp = text.indexOf("&", last);
  }
  return out + text.slice(last);
}

/** Escapes text for use in XML character data or a double-quoted attribute. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) =>
    c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : c === '"' ? "&quot;" : "&apos;",
  );
}

/** One element being read: what it will be, and its name and scope. */
interface OpenElement {
  readonly qname: string;
  readonly ns: string;
  readonly name: string;
  readonly attributes: Record<string, string>;
  readonly children: XmlElement[];
  text: string;
  readonly scope: ReadonlyMap<string, string>;
}

const NAME = /^[A-Za-z_\u00C0-\uFFFF][\w.\-:\u00B7\u00C0-\uFFFF]*$/;
/** XML white space (§2.3): space, tab, LF, CR. */
function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}
const NO_ATTRIBUTES: Readonly<Record<string, string>> = Object.freeze({});
const NO_CHILDREN: readonly XmlElement[] = Object.freeze([]);

/** The 1-based line and column of an offset, for messages. */
function lineAndColumn(xml: string, offset: number): string {
  let line = 1;
  let start = 0;
  for (let at = xml.indexOf("\n"); at !== -1 && at < offset; at = xml.indexOf("\n", at + 1)) {
    line++;
    start = at + 1;
  }
  return `line ${line}, column ${offset - start + 1}`;
}

/** A name for a message: at most 40 characters of it. */
function shown(name: string): string {
  return name.length > 40 ? `${name.slice(0, 40)}…` : name;
}

/**
 * Parses an XML document into a namespace-resolved element tree.
 * @throws DavError `INVALID_XML` on a DOCTYPE, a document that is not well-formed (cut off,
 * mismatched tags, several roots, a bad reference or attribute), an unknown entity, an undeclared
 * prefix, nesting deeper than `maxDepth`, or no root element.
 */
export function parseXml(xml: string, options: ParseXmlOptions = {}): XmlElement {
  const { onRootChild } = options;
  const steps = readXml(xml, options.maxDepth ?? 100, onRootChild !== undefined);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    onRootChild!(step.value);
  }
}

/**
 * Parses an XML document as {@link parseXml} does, handing over each child of the root as soon as
 * it is complete (not kept in the tree), lazily: the document is read only as far as the caller
 * has taken children, so a caller may act on the first children (and wait) before the rest is
 * read. The generator returns the root. A fault anywhere throws when reading reaches it: children
 * handed over before it came from a document that is then not well-formed.
 * @throws DavError `INVALID_XML`, as {@link parseXml}.
 */
export function xmlRootChildren(xml: string, options: Pick<ParseXmlOptions, "maxDepth"> = {}): Generator<XmlElement, XmlElement, void> {
  return readXml(xml, options.maxDepth ?? 100, true);
}

/** The parser: yields the root's children when `streamRootChildren`, returns the root. */
function* readXml(xml: string, maxDepth: number, streamRootChildren: boolean): Generator<XmlElement, XmlElement, void> {
  /** A child of the root completed by the last `close`, to hand over. */
  let completed: XmlElement | undefined;
  const fail = (what: string, at: number): never => {
    throw new DavError("INVALID_XML", `XML response is not well-formed: ${what} (${lineAndColumn(xml, at)})`);
  };
  const n = xml.length;
  const stack: OpenElement[] = [];
  let root: XmlElement | undefined;
  let i = xml.charCodeAt(0) === 0xfeff ? 1 : 0;

  const close = (open: OpenElement): void => {
    const element: XmlElement = {
      ns: open.ns,
      name: open.name,
      attributes: Object.keys(open.attributes).length === 0 ? NO_ATTRIBUTES : open.attributes,
      children: open.children.length === 0 ? NO_CHILDREN : open.children,
      text: open.text,
    };
    const parent = stack[stack.length - 1];
    if (!parent) root = element;
    else if (stack.length === 1 && streamRootChildren) completed = element;
    else parent.children.push(element);
  };

  while (i < n) {
    const lt = xml.indexOf("<", i);
    const textEnd = lt === -1 ? n : lt;
    if (textEnd > i) {
      const top = stack[stack.length - 1];
      if (top) {
        try {
          top.text += decodeText(xml.slice(i, textEnd));
        } catch (error) {
          throw new DavError("INVALID_XML", `${(error as Error).message} (${lineAndColumn(xml, i)})`, { cause: error });
        }
      } else if (/\S/.test(xml.slice(i, textEnd))) fail(root ? "text after the root element" : "text before the root element", i);
    }
    if (lt === -1) break;
    const next = xml.charCodeAt(lt + 1);
    if (next === 0x3f /* ? */) {
      const end = xml.indexOf("?>", lt + 2);
      if (end === -1) fail("a processing instruction is not closed", lt);
      i = end + 2;
    } else if (next === 0x21 /* ! */) {
      if (xml.startsWith("<!--", lt)) {
        const end = xml.indexOf("-->", lt + 4);
        if (end === -1) fail("a comment is not closed", lt);
        i = end + 3;
      } else if (xml.startsWith("<![CDATA[", lt)) {
        const top = stack[stack.length - 1];
        if (!top) fail("CDATA outside the root element", lt);
        const end = xml.indexOf("]]>", lt + 9);
        if (end === -1) fail("a CDATA section is not closed", lt);
        const data = xml.slice(lt + 9, end);
        top!.text += data.includes("\r") ? data.replace(/\r\n?/g, "\n") : data;
        i = end + 3;
      } else if (/^<!DOCTYPE/i.test(xml.slice(lt, lt + 9))) {
        throw new DavError("INVALID_XML", "XML response contains a DOCTYPE, which is refused");
      } else {
        fail("a markup declaration where none may be", lt);
      }
    } else if (next === 0x2f /* / */) {
      const gt = xml.indexOf(">", lt + 2);
      if (gt === -1) fail("the document ends inside an end tag", lt);
      const qname = xml.slice(lt + 2, gt).trimEnd();
      const open = stack.pop();
      if (!open) fail(`the end tag </${shown(qname)}> has no start tag`, lt);
      if (open!.qname !== qname) fail(`the end tag </${shown(qname)}> closes <${shown(open!.qname)}>`, lt);
      close(open!);
      i = gt + 1;
      if (completed) {
        const element = completed;
        completed = undefined;
        yield element;
      }
    } else {
      // A start tag: name, attributes, then `>` or `/>`.
      let j = lt + 1;
      while (j < n && !isSpace(xml.charCodeAt(j)) && xml[j] !== ">" && xml[j] !== "/") j++;
      const qname = xml.slice(lt + 1, j);
      if (!NAME.test(qname)) fail(j >= n ? "the document ends inside a start tag" : `'${shown(qname)}' is not an element name`, lt);
      if (!stack.length && root) fail("more than one root element", lt);
      if (stack.length >= maxDepth) fail(`elements nested deeper than ${maxDepth}`, lt);
      const raw: Array<[string, string]> = [];
      const names = new Set<string>();
      let selfClosing = false;
      for (;;) {
        while (j < n && isSpace(xml.charCodeAt(j))) j++;
        if (j >= n) fail("the document ends inside a start tag", lt);
        if (xml[j] === ">") {
          j++;
          break;
        }
        if (xml[j] === "/") {
          if (xml[j + 1] !== ">") fail("'/' inside a start tag", j);
          selfClosing = true;
          j += 2;
          break;
        }
        const nameStart = j;
        while (j < n && !isSpace(xml.charCodeAt(j)) && xml[j] !== "=" && xml[j] !== ">" && xml[j] !== "/") j++;
        const attribute = xml.slice(nameStart, j);
        if (!NAME.test(attribute)) fail(`'${shown(attribute)}' is not an attribute name`, nameStart);
        while (j < n && isSpace(xml.charCodeAt(j))) j++;
        if (xml[j] !== "=") fail(`the attribute '${shown(attribute)}' has no value`, nameStart);
        j++;
        while (j < n && isSpace(xml.charCodeAt(j))) j++;
        const quote = xml[j];
        if (quote !== '"' && quote !== "'") fail(`the value of '${shown(attribute)}' is not quoted`, j);
        const end = xml.indexOf(quote!, j + 1);
        if (end === -1) fail("the document ends inside an attribute value", j);
        const value = xml.slice(j + 1, end);
        if (value.includes("<")) fail(`the value of '${shown(attribute)}' holds '<'`, j);
        if (names.has(attribute)) fail(`the attribute '${shown(attribute)}' is repeated`, nameStart);
        if (names.size >= MAX_ATTRIBUTES) fail(`more than ${MAX_ATTRIBUTES} attributes on one element`, nameStart);
        names.add(attribute);
        raw.push([attribute, value]);
        j = end + 1;
      }
      const parentScope = stack[stack.length - 1]?.scope ?? ROOT_SCOPE;
      let scope = parentScope;
      const attributes: Record<string, string> = {};
      for (const [name, value] of raw) {
        let text: string;
        try {
          text = decodeText(value);
        } catch (error) {
          throw new DavError("INVALID_XML", `${(error as Error).message} (${lineAndColumn(xml, lt)})`, { cause: error });
        }
        if (name === "xmlns" || name.startsWith("xmlns:")) {
          if (scope === parentScope) scope = new Map(parentScope);
          (scope as Map<string, string>).set(name === "xmlns" ? "" : name.slice(6), text);
        } else {
          attributes[name] = text;
        }
      }
      const colon = qname.indexOf(":");
      const prefix = colon === -1 ? "" : qname.slice(0, colon);
      const ns = scope.get(prefix);
      if (ns === undefined && prefix !== "") throw new DavError("INVALID_XML", `XML response uses the undeclared namespace prefix '${shown(prefix)}'`);
      const open: OpenElement = { qname, ns: ns ?? "", name: colon === -1 ? qname : qname.slice(colon + 1), attributes, children: [], text: "", scope };
      i = j;
      if (!selfClosing) stack.push(open);
      else {
        close(open);
        if (completed) {
          const element = completed;
          completed = undefined;
          yield element;
        }
      }
    }
  }
  if (stack.length > 0) fail(`the document ends inside <${shown(stack[stack.length - 1]!.qname)}> (cut off?)`, n);
  if (!root) throw new DavError("INVALID_XML", "XML response has no root element");
  return root;
}

const ROOT_SCOPE: ReadonlyMap<string, string> = new Map([["xml", "http://www.w3.org/XML/1998/namespace"]]);

/** The first child with the given namespace and local name. */
export function child(element: XmlElement | undefined, ns: string, name: string): XmlElement | undefined {
  return element?.children.find((c) => c.name === name && c.ns === ns);
}

/** Every child with the given namespace and local name. */
export function childrenNamed(element: XmlElement | undefined, ns: string, name: string): XmlElement[] {
  return element ? element.children.filter((c) => c.name === name && c.ns === ns) : [];
}
