/**
 * Components: a vobject text read into its top-level component (VCALENDAR or VCARD) with its
 * properties as raw content lines and its nested components, and written back as folded CRLF text.
 * Strict: a text that is not one well-formed vobject throws {@link VObjectError}.
 *
 * @module
 */
import { VObjectError } from "./errors.js";
import { fold, formatContentLine, parseContentLine, unfold, type ContentLine } from "./lines.js";

/** A component: `BEGIN:NAME` … `END:NAME` with its properties and sub-components. */
export interface Component {
  /** The component name in upper case (`VCALENDAR`, `VEVENT`, `VALARM`, `VCARD`). */
  name: string;
  /** Its properties, in order, values raw. */
  lines: ContentLine[];
  /** Its sub-components, in order. */
  children: Component[];
}

/** Reads a vobject text into its single top-level component (VCALENDAR or VCARD). */
export function parseVObject(text: string): Component {
  const stack: Component[] = [];
  let root: Component | null = null;
  const lines = unfold(text);
  for (let i = 0; i < lines.length; i++) {
    const line = parseContentLine(lines[i]!, i + 1);
    if (line.name === "BEGIN") {
      const component: Component = { name: line.value.trim().toUpperCase(), lines: [], children: [] };
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(component);
      else if (root) throw new VObjectError("more than one top-level component", i + 1);
      else root = component;
      stack.push(component);
    } else if (line.name === "END") {
      const open = stack.pop();
      if (!open || open.name !== line.value.trim().toUpperCase()) {
        throw new VObjectError(`END:${line.value} does not close ${open ? `BEGIN:${open.name}` : "anything"}`, i + 1);
      }
    } else {
      const current = stack[stack.length - 1];
      if (!current) throw new VObjectError(`property ${line.name} outside any component`, i + 1);
      current.lines.push(line);
    }
  }
  if (stack.length > 0) throw new VObjectError(`BEGIN:${stack[stack.length - 1]!.name} is never closed`);
  if (!root) throw new VObjectError("no component");
  return root;
}

/** Writes a component as folded CRLF text (a final CRLF included). */
export function serializeVObject(component: Component): string {
  const out: string[] = [];
  const walk = (c: Component): void => {
    out.push(`BEGIN:${c.name}`);
    for (const line of c.lines) out.push(fold(formatContentLine(line)));
    for (const child of c.children) walk(child);
    out.push(`END:${c.name}`);
  };
  walk(component);
  return `${out.join("\r\n")}\r\n`;
}
