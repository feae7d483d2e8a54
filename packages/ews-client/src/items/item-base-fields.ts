/**
 * The fields of types.xsd `ItemType` that ewsdav uses, in schema order, split around the
 * `ExtendedProperty` slot so kinds can put their own fields after `Culture`.
 * @module
 */
import type { ItemBase } from "../model/common.js";
import { extendedFieldKey, type ExtendedProperty } from "../model/extended-property.js";


import { bodyXml, extendedPropertyXml, parseAttachment, parseBody, parseExtendedProperty, parseFolderId, parseItemId, parseStringArray, stringArrayXml } from "./common-xml.js";
import { booleanField, dateTimeField, enumField, intField, stringField, type FieldDef } from "./field-table.js";

const SENSITIVITIES = ["Normal", "Personal", "Private", "Confidential"] as const;
const IMPORTANCES = ["Low", "Normal", "High"] as const;

/** The `ItemType` fields for item type `T`, in schema order. */
export function itemBaseFields<T extends ItemBase>(): FieldDef<T>[] {
  return [
    { key: "itemId", element: "ItemId", read: (e, item) => (item.itemId = parseItemId(e)) },
    { key: "parentFolderId", element: "ParentFolderId", read: (e, item) => (item.parentFolderId = parseFolderId(e)) },
    stringField<T>("itemClass", "ItemClass", "item:ItemClass", { createOnly: true }),
    stringField<T>("subject", "Subject", "item:Subject"),
    enumField<T>("sensitivity", "Sensitivity", "item:Sensitivity", SENSITIVITIES),
    {
      key: "body",
      element: "Body",
      uri: "item:Body",
      write: ((v: NonNullable<ItemBase["body"]>) => bodyXml("t:Body", v)) as FieldDef<T>["write"],
      read: (e, item) => (item.body = parseBody(e)),
    },
    {
      key: "attachments",
      element: "Attachments",
      read: (e, item) => {
        item.attachments = e.children.map(parseAttachment).filter((a) => a !== undefined);
      },
    },
    dateTimeField<T>("dateTimeReceived", "DateTimeReceived", undefined),
    intField<T>("size", "Size", undefined),
    {
      key: "categories",
      element: "Categories",
      uri: "item:Categories",
      write: ((v: string[]) => (v.length === 0 ? "" : stringArrayXml("t:Categories", v))) as FieldDef<T>["write"],
      read: (e, item) => (item.categories = parseStringArray(e)),
    },
    enumField<T>("importance", "Importance", "item:Importance", IMPORTANCES),
    dateTimeField<T>("dateTimeCreated", "DateTimeCreated", undefined),
    dateTimeField<T>("reminderDueBy", "ReminderDueBy", "item:ReminderDueBy"),
    booleanField<T>("reminderIsSet", "ReminderIsSet", "item:ReminderIsSet"),
    intField<T>("reminderMinutesBeforeStart", "ReminderMinutesBeforeStart", "item:ReminderMinutesBeforeStart", [0, 2147483647]),
    booleanField<T>("hasAttachments", "HasAttachments", undefined),
    {
      key: "extendedProperties",
      element: "ExtendedProperty",
      write: ((v: ExtendedProperty[], ctx) => v.map((p) => extendedPropertyXml(p, ctx)).join("")) as FieldDef<T>["write"],
      read: (e, item) => {
        (item.extendedProperties ??= []).push(parseExtendedProperty(e));
      },
    },
    stringField<T>("culture", "Culture", "item:Culture", { createOnly: true }),
    stringField<T>("lastModifiedName", "LastModifiedName", undefined),
    dateTimeField<T>("lastModifiedTime", "LastModifiedTime", undefined),
  ];
}

/** Index of extended properties by {@link extendedFieldKey}. */
export function extendedPropertyMap(props: readonly ExtendedProperty[] | undefined): Map<string, ExtendedProperty> {
  const map = new Map<string, ExtendedProperty>();
  for (const p of props ?? []) map.set(extendedFieldKey(p.fieldUri), p);
  return map;
}

