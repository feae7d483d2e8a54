/**
 * Contacts: vCard 3.0 / 4.0 ⇄ EWS {@link Contact}.
 * @module
 */
import type { Contact } from "@ewsdav/ews-client";
import { guardItem, uidHint, type MapperLimits } from "../limits.js";
import { MapperError, type DroppedProperty } from "../result.js";
import { readVObjectsWith, vcardDesignOf, writeComponent, type JComponent, type RawLines } from "../vobject/codec.js";
import { readContactCard } from "./read.js";
import { writeContactCard, type VCardVersion } from "./write.js";

export type { VCardVersion } from "./write.js";
export { CONTACT_PHOTO_NAME } from "./read.js";
export { PHONE_SLOTS, EMAIL_SLOTS, ADDRESS_SLOTS, IM_SLOTS, type PhoneSlot } from "./slots.js";

/** Options of {@link contactFromVCard}. */
export interface ContactFromVCardOptions {
  /** Leave the photo out of the item (e.g. when the EWS side updates photos separately). */
  skipPhoto?: boolean;
  /** Bounds on the work this item may cost (counts, time budget); defaults in `DEFAULT_MAPPER_LIMITS`. */
  limits?: Partial<MapperLimits>;
}

/** What {@link contactFromVCard} returns. */
export interface ContactFromVCardResult {
  /** The EWS contact (with the UID in {@link EWSDAV_UID_PROPERTY} when the card has one). */
  item: Contact;
  /** The card's UID, or null when it has none. */
  uid: string | null;
  /** Everything the card says that the EWS contact cannot hold, and values that could not be read. */
  dropped: DroppedProperty[];
}

/** Options of {@link contactToVCard}. */
export interface ContactToVCardOptions {
  /** The existing vCard to merge onto: what EWS cannot hold stays exactly as it is there. */
  base?: string | null;
  /** Version of a new card (without `base`); the version of `base` always wins. Default `4.0`. */
  version?: VCardVersion;
  /** UID to write when the item carries none. */
  uid?: string;
  /** Bounds on the work this item may cost (counts, time budget); defaults in `DEFAULT_MAPPER_LIMITS`. */
  limits?: Partial<MapperLimits>;
}

/** What {@link contactToVCard} returns. */
export interface ContactToVCardResult {
  /** The vCard text (CRLF line endings, folded at 75 octets). */
  text: string;
  /** The EWS fields that no vCard property carries. */
  dropped: DroppedProperty[];
}

/** Reads the first card of a text; its raw lines only for a base (`what` = "base"), which is merged onto. */
function firstCard(text: string, what: "text" | "base"): { card: JComponent; extra: DroppedProperty[]; rawLines: RawLines } {
  const { components, problems, rawLines } = readVObjectsWith(text, "vcard", what === "base");
  const cards = components.filter((component) => component[0] === "vcard");
  const card = cards[0];
  if (!card) {
    throw new MapperError("MISSING_COMPONENT", "VCARD", problems[0] ? `no vCard in the ${what} (${problems[0].message})` : `no vCard in the ${what}`);
  }
  const extra: DroppedProperty[] = problems.map((problem) => ({ property: problem.property ?? "(line)", reason: problem.reason, error: problem }));
  if (cards.length > 1) extra.push({ property: "VCARD", reason: `only the first of ${cards.length} vCards in the ${what} is mapped` });
  const version = card[1].find((property) => property[0] === "version");
  if (version && !["3.0", "4.0"].includes(String(version[3]).trim())) {
    extra.push({ property: "VERSION", reason: `vCard ${String(version[3]).slice(0, 10)} is read as 3.0 (best effort)`, error: new MapperError("UNSUPPORTED_VERSION", "VERSION", `vCard ${String(version[3]).slice(0, 10)} is read best-effort`) });
  }
  return { card, extra, rawLines };
}

/**
 * Maps vCard text (3.0 or 4.0; the first card when there are several) to an EWS contact.
 * Throws {@link MapperError} `MISSING_COMPONENT` when the text holds no vCard at all; every other
 * problem (an unreadable line, a bad date) is reported in `dropped` and the rest is still mapped.
 */
export function contactFromVCard(text: string, options: ContactFromVCardOptions = {}): ContactFromVCardResult {
  return guardItem(uidHint(text), options.limits, () => {
    const { card, extra } = firstCard(text, "text");
    const reading = readContactCard(card);
    if (options.skipPhoto) delete reading.item.attachments;
    return { item: reading.item, uid: reading.uid, dropped: [...extra, ...reading.dropped] };
  });
}

/**
 * Maps an EWS contact to vCard text. With `base`, merges onto it: fields EWS did not change keep
 * the base's properties byte for byte (up to folding), and what EWS cannot hold stays untouched.
 * A new card is written in `version` (default 4.0). Throws {@link MapperError} only when `base`
 * holds no vCard.
 */
export function contactToVCard(item: Contact, options: ContactToVCardOptions = {}): ContactToVCardResult {
  return guardItem(options.uid ?? null, options.limits, () => {
    const base = options.base ? firstCard(options.base, "base") : null;
    const version = options.version ?? "4.0";
    const { card, dropped } = writeContactCard(item, base?.card ?? null, version, options.uid === undefined ? {} : { uid: options.uid });
    return { text: writeComponent(card, vcardDesignOf(card), base?.rawLines), dropped };
  });
}
