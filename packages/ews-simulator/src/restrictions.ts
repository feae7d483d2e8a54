/**
 * Restrictions and sort orders of FindFolder and FindItem: a restriction tree evaluated against a
 * folder's or an item's property values, and items sorted by a FieldOrder.
 */
import { SimError } from "./errors.js";
import type { SimulatedMailbox } from "./mailbox.js";
import { computedFolderValue, computedItemValue } from "./mapi-properties.js";
import type { FolderRecord, ItemTarget } from "./records.js";
import { parseDateTime } from "./recurrence.js";
import { propertyText } from "./render.js";
import { INDEXED_DICTIONARIES } from "./schema-order.js";
import { extendedPropertyKey } from "./updates.js";
import { child, childrenNamed, childText, type XmlElement } from "./xml.js";

// ------------------------------------------------------------------ restrictions

type Getter = (path: XmlElement) => string | undefined;

function compare(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (a.trim() !== "" && b.trim() !== "" && !Number.isNaN(na) && !Number.isNaN(nb)) return na - nb;
  const da = parseDateTime(a);
  const db = parseDateTime(b);
  if (/^\d{4}-\d{2}-\d{2}T/.test(a) && !Number.isNaN(da) && !Number.isNaN(db)) return da - db;
  return a < b ? -1 : a > b ? 1 : 0;
}

const PATH_NAMES = new Set(["FieldURI", "IndexedFieldURI", "ExtendedFieldURI"]);

/** Whether a restriction (sub)tree holds for an object whose values `get` reads. */
export function evaluate(node: XmlElement, get: Getter): boolean {
  switch (node.name) {
    case "Restriction":
      return node.children[0] ? evaluate(node.children[0], get) : true;
    case "And":
      return node.children.every((c) => evaluate(c, get));
    case "Or":
      return node.children.some((c) => evaluate(c, get));
    case "Not":
      return !evaluate(node.children[0]!, get);
    case "Exists":
      return get(node.children[0]!) !== undefined;
    case "Contains": {
      const value = get(node.children.find((c) => PATH_NAMES.has(c.name))!);
      const constant = child(node, "Constant")?.attrs.Value ?? "";
      if (value === undefined) return false;
      const ignoreCase = (node.attrs.ContainmentComparison ?? "Exact").includes("IgnoreCase") || (node.attrs.ContainmentComparison ?? "") === "Loose";
      const v = ignoreCase ? value.toLowerCase() : value;
      const c = ignoreCase ? constant.toLowerCase() : constant;
      switch (node.attrs.ContainmentMode ?? "Substring") {
        case "FullString": return v === c;
        case "Prefixed": return v.startsWith(c);
        case "PrefixOnWords": return v.split(/\s+/).some((w) => w.startsWith(c));
        default: return v.includes(c);
      }
    }
    default: {
      const path = node.children.find((c) => PATH_NAMES.has(c.name));
      const constant = child(child(node, "FieldURIOrConstant"), "Constant")?.attrs.Value;
      if (!path || constant === undefined) throw new SimError("ErrorUnsupportedPathForQuery", `Restriction ${node.name} is not supported by the simulator.`);
      const value = get(path);
      if (value === undefined) return node.name === "IsNotEqualTo";
      const c = compare(value, constant);
      switch (node.name) {
        case "IsEqualTo": return c === 0;
        case "IsNotEqualTo": return c !== 0;
        case "IsGreaterThan": return c > 0;
        case "IsGreaterThanOrEqualTo": return c >= 0;
        case "IsLessThan": return c < 0;
        case "IsLessThanOrEqualTo": return c <= 0;
        default: throw new SimError("ErrorUnsupportedPathForQuery", `Restriction ${node.name} is not supported by the simulator.`);
      }
    }
  }
}

/** Reads a folder's values for restrictions. */
export function folderGetter(box: SimulatedMailbox, folder: FolderRecord): Getter {
  return (path) => {
    if (path.name === "ExtendedFieldURI") {
      const computed = computedFolderValue(box, folder, path);
      if (computed !== undefined) return computed;
      throw new SimError("ErrorUnsupportedPathForQuery", `The simulator cannot restrict folders on extended property ${extendedPropertyKey(path)}.`);
    }
    switch (path.attrs.FieldURI) {
      case "folder:FolderClass": return folder.folderClass;
      case "folder:DisplayName": return folder.displayName;
      case "folder:TotalCount": return String(folder.items.size);
      case "folder:ChildFolderCount": return String(box.childFolders(folder).length);
      case "folder:DistinguishedFolderId": return folder.distinguished;
      default: throw new SimError("ErrorUnsupportedPathForQuery", `The simulator cannot restrict on ${path.attrs.FieldURI ?? path.name}.`);
    }
  };
}

/** Reads an item's (or occurrence's) values for restrictions and sorting. */
export function itemGetter(box: SimulatedMailbox, target: ItemTarget): Getter {
  return (path) => {
    if (path.name === "ExtendedFieldURI") {
      const computed = computedItemValue(target, path);
      if (computed !== undefined) return Array.isArray(computed) ? computed.join(" ") : computed;
      const stored = target.item.extended.get(extendedPropertyKey(path));
      return stored ? (childText(stored, "Value") ?? child(stored, "Values")?.children.map((v) => v.text).join(" ")) : undefined;
    }
    if (path.name === "IndexedFieldURI") {
      const dict = INDEXED_DICTIONARIES[path.attrs.FieldURI ?? ""];
      const entry = dict ? target.item.props.get(dict.property)?.children.find((e) => e.attrs.Key === path.attrs.FieldIndex) : undefined;
      return entry ? (dict!.subField ? childText(entry, dict!.subField) : entry.text) : undefined;
    }
    const uri = path.attrs.FieldURI ?? "";
    return propertyText(box, target, uri.slice(uri.indexOf(":") + 1));
  };
}

/** Items sorted by a SortOrder's FieldOrders (stable; no SortOrder keeps the order). */
export function sortTargets(box: SimulatedMailbox, targets: ItemTarget[], sortOrder: XmlElement | undefined): ItemTarget[] {
  const orders = childrenNamed(sortOrder, "FieldOrder");
  if (orders.length === 0) return targets;
  return [...targets].sort((a, b) => {
    for (const order of orders) {
      const path = order.children[0];
      if (!path) continue;
      const va = itemGetter(box, a)(path) ?? "";
      const vb = itemGetter(box, b)(path) ?? "";
      const c = compare(va, vb);
      if (c !== 0) return order.attrs.Order === "Descending" ? -c : c;
    }
    return 0;
  });
}
