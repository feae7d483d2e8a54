/**
 * ConvertId (EWS reference: ConvertId operation, AlternateId, IdFormatType). The simulator's ids
 * convert to every IdFormatType and back, consistently:
 *
 * - `EwsId`: the id other operations take (see ids.ts).
 * - `EntryId`: base64 of a MAPI PR_ENTRYID shaped as MS-OXCDATA 2.2.4 gives it: a Folder EntryID
 *   (46 bytes: Flags, ProviderUID, FolderType, DatabaseGuid, GlobalCounter, Pad) or a Message
 *   EntryID (70 bytes: the folder's DatabaseGuid/GlobalCounter then the message's). The store guid is
 *   the ProviderUID and the DatabaseGuid, the object number the 6-byte GlobalCounter.
 * - `HexEntryId`: the same bytes as upper-case hex (the availability calendar event id format).
 * - `StoreId`: base64 of the EntryID followed by one object-type byte, like Exchange's StoreObjectId.
 * - `OwaId`: base64 of a kind byte (`F` folder, `I` item), three zero bytes and the EntryID.
 * - `EwsLegacyId`: base64 of the EWS id bytes behind a one-byte legacy marker.
 *
 * Only the bytes' meaning is the simulator's own; clients must treat every format as opaque, as
 * with Exchange. Occurrence and attachment ids have no MAPI entry id: converting them to a MAPI
 * format answers ErrorUnsupportedTypeForConversion.
 */
import { decodeId, encodeId, type DecodedId } from "./ids.js";
import { SimError } from "./errors.js";
import type { SimulatedMailbox } from "./mailbox.js";
import { child, mEl, type XmlElement } from "./xml.js";

/** The formats of IdFormatType (types.xsd). */
export const ID_FORMATS = ["EwsLegacyId", "EwsId", "EntryId", "HexEntryId", "StoreId", "OwaId"] as const;
/** One IdFormatType value. */
export type IdFormat = (typeof ID_FORMATS)[number];

/** MS-OXCDATA 2.2.4.1/2.2.4.2 FolderType/MessageType values. */
const TYPE_PRIVATE_FOLDER = 0x0001;
const TYPE_PUBLIC_FOLDER = 0x0003;
const TYPE_PRIVATE_MESSAGE = 0x0007;
const TYPE_PUBLIC_MESSAGE = 0x0009;
const LEGACY_MARKER = 0x4c;

/** What the stores of a simulator look like to ConvertId. */
export interface ConvertIdStores {
  /** A store by guid hex. */
  storeByGuid(guidHex: string): SimulatedMailbox | undefined;
  /** A mailbox by SMTP address. */
  mailboxByAddress(smtpAddress: string): SimulatedMailbox | undefined;
  /** The public folder store. */
  publicStore: SimulatedMailbox;
}

function counter(number: number): Buffer {
  const b = Buffer.alloc(6);
  b.writeUIntBE(number, 0, 6);
  return b;
}

function entryIdBytes(box: SimulatedMailbox, id: DecodedId): Buffer {
  const flags = Buffer.alloc(4);
  const type = Buffer.alloc(2);
  const pad = Buffer.alloc(2);
  if (id.kind === "folder") {
    type.writeUInt16LE(box.isPublicStore ? TYPE_PUBLIC_FOLDER : TYPE_PRIVATE_FOLDER);
    return Buffer.concat([flags, box.guid, type, box.guid, counter(id.number), pad]);
  }
  const item = box.itemIndex.get(id.number);
  if (!item) throw new SimError("ErrorItemNotFound", "The specified object was not found in the store.");
  type.writeUInt16LE(box.isPublicStore ? TYPE_PUBLIC_MESSAGE : TYPE_PRIVATE_MESSAGE);
  return Buffer.concat([flags, box.guid, type, box.guid, counter(item.folder.number), pad, box.guid, counter(id.number), pad]);
}

function parseEntryId(bytes: Buffer): { store: string; kind: "folder" | "item"; number: number } | undefined {
  if (bytes.length !== 46 && bytes.length !== 70) return undefined;
  if (bytes.readUInt32LE(0) !== 0) return undefined;
  const store = bytes.subarray(4, 20).toString("hex");
  const type = bytes.readUInt16LE(20);
  if (bytes.length === 46 && (type === TYPE_PRIVATE_FOLDER || type === TYPE_PUBLIC_FOLDER)) {
    return { store, kind: "folder", number: bytes.readUIntBE(38, 6) };
  }
  if (bytes.length === 70 && (type === TYPE_PRIVATE_MESSAGE || type === TYPE_PUBLIC_MESSAGE)) {
    return { store, kind: "item", number: bytes.readUIntBE(62, 6) };
  }
  return undefined;
}

const BASE64 = /^[A-Za-z0-9+/]+=*$/;

/** Decodes an id given in `format` to the simulator's own id, or throws ErrorInvalidIdMalformed. */
function toDecoded(format: IdFormat, id: string): DecodedId {
  const malformed = () => new SimError("ErrorInvalidIdMalformed", `Id is malformed for format ${format}.`);
  if (id === "") throw new SimError("ErrorInvalidIdEmpty", "The id is empty.");
  if (format === "EwsId") return decodeId(id) ?? (() => { throw malformed(); })();
  if (format === "EwsLegacyId") {
    if (!BASE64.test(id)) throw malformed();
    const bytes = Buffer.from(id, "base64");
    if (bytes[0] !== LEGACY_MARKER) throw new SimError("ErrorInvalidIdMalformedEwsLegacyIdFormat", "The EWS legacy id is malformed.");
    return decodeId(bytes.subarray(1).toString("base64")) ?? (() => { throw new SimError("ErrorInvalidIdMalformedEwsLegacyIdFormat", "The EWS legacy id is malformed."); })();
  }
  let bytes: Buffer;
  if (format === "HexEntryId") {
    if (!/^([0-9A-Fa-f]{2})+$/.test(id)) throw malformed();
    bytes = Buffer.from(id, "hex");
  } else {
    if (!BASE64.test(id)) throw malformed();
    bytes = Buffer.from(id, "base64");
    if (format === "StoreId") {
      if (bytes.length < 1) throw malformed();
      bytes = bytes.subarray(0, bytes.length - 1);
    } else if (format === "OwaId") {
      if (bytes.length < 4 || (bytes[0] !== 0x46 && bytes[0] !== 0x49) || bytes.readUIntBE(1, 3) !== 0) throw malformed();
      bytes = bytes.subarray(4);
    }
  }
  const parsed = parseEntryId(bytes);
  if (!parsed) throw malformed();
  return { kind: parsed.kind, store: parsed.store, number: parsed.number, extra: 0 };
}

/** Encodes the simulator's id in `format`. */
function fromDecoded(box: SimulatedMailbox, format: IdFormat, id: DecodedId): string {
  const ews = id.kind === "folder" || id.kind === "item" || id.kind === "occurrence" || id.kind === "attachment" ? encodeId(id.kind, box.guid, id.number, id.extra) : "";
  if (format === "EwsId") return ews;
  if (format === "EwsLegacyId") return Buffer.concat([Buffer.from([LEGACY_MARKER]), Buffer.from(ews, "base64")]).toString("base64");
  if (id.kind !== "folder" && id.kind !== "item") {
    throw new SimError("ErrorUnsupportedTypeForConversion", `A ${id.kind} id cannot be converted to ${format}.`);
  }
  const entry = entryIdBytes(box, id);
  switch (format) {
    case "EntryId": return entry.toString("base64");
    case "HexEntryId": return entry.toString("hex").toUpperCase();
    case "StoreId": return Buffer.concat([entry, Buffer.from([id.kind === "folder" ? 0x01 : 0x00])]).toString("base64");
    case "OwaId": return Buffer.concat([Buffer.from([id.kind === "folder" ? 0x46 : 0x49, 0, 0, 0]), entry]).toString("base64");
  }
}

function isFormat(value: string | undefined): value is IdFormat {
  return (ID_FORMATS as readonly string[]).includes(value ?? "");
}

/**
 * Converts one source id (`t:AlternateId`, `t:AlternatePublicFolderId` or
 * `t:AlternatePublicFolderItemId`) to `destination`; returns the response's AlternateId element
 * (typed with xsi:type, as AlternateIdBaseType is abstract) or throws a SimError.
 */
export function convertOneId(stores: ConvertIdStores, source: XmlElement, destination: IdFormat): XmlElement {
  const format = source.attrs.Format;
  if (!isFormat(format)) throw new SimError("ErrorInvalidRequest", `Unknown id format '${format ?? ""}'.`);
  if (source.name === "AlternateId") {
    const mailbox = (source.attrs.Mailbox ?? "").trim();
    if (mailbox === "") throw new SimError("ErrorInvalidRequest", "AlternateId needs a Mailbox.");
    const decoded = toDecoded(format, source.attrs.Id ?? "");
    const box = stores.storeByGuid(decoded.store);
    // An EWS id names its mailbox itself (the Mailbox attribute is not needed to find it); a MAPI
    // entry id does not, so for those the named mailbox must exist and hold the object.
    if (format !== "EwsId" && format !== "EwsLegacyId") {
      const named = stores.mailboxByAddress(mailbox);
      if (!named) throw new SimError("ErrorNonExistentMailbox", `No mailbox with SMTP address ${mailbox}.`);
      if (named !== box) throw new SimError("ErrorItemNotFound", "The specified object was not found in the store.");
    }
    if (!box || box.isPublicStore) throw new SimError("ErrorItemNotFound", "The specified object was not found in the store.");
    if (decoded.kind === "folder" && !box.folderByNumber(decoded.number)) throw new SimError("ErrorFolderNotFound", "The specified folder could not be found in the store.");
    return mEl("AlternateId", {
      "xsi:type": "t:AlternateIdType", Format: destination, Id: fromDecoded(box, destination, decoded), Mailbox: box.smtpAddress,
    });
  }
  if (source.name === "AlternatePublicFolderId" || source.name === "AlternatePublicFolderItemId") {
    const box = stores.publicStore;
    const folder = toDecoded(format, source.attrs.FolderId ?? "");
    if (folder.kind !== "folder" || folder.store !== box.guidHex || !box.folderByNumber(folder.number)) {
      throw new SimError("ErrorFolderNotFound", "The specified public folder could not be found.");
    }
    const attrs: Record<string, string> = { Format: destination, FolderId: fromDecoded(box, destination, folder) };
    if (source.name === "AlternatePublicFolderItemId") {
      const item = toDecoded(format, source.attrs.ItemId ?? "");
      if (item.kind !== "item" || item.store !== box.guidHex) throw new SimError("ErrorItemNotFound", "The specified object was not found in the store.");
      attrs.ItemId = fromDecoded(box, destination, item);
    }
    return mEl("AlternateId", { "xsi:type": `t:${source.name}Type`, ...attrs });
  }
  throw new SimError("ErrorInvalidRequest", `${source.name} is not an id to convert.`);
}

/** The ConvertId operation: one response message per source id. */
export function convertId(request: XmlElement, stores: ConvertIdStores): XmlElement {
  const destination = request.attrs.DestinationFormat;
  const sources = child(request, "SourceIds")?.children ?? [];
  const messages = sources.map((source) => {
    try {
      if (!isFormat(destination)) throw new SimError("ErrorInvalidRequest", `Unknown DestinationFormat '${destination ?? ""}'.`);
      return mEl("ConvertIdResponseMessage", { ResponseClass: "Success" }, [mEl("ResponseCode", {}, "NoError"), convertOneId(stores, source, destination)]);
    } catch (error) {
      if (!(error instanceof SimError)) throw error;
      return mEl("ConvertIdResponseMessage", { ResponseClass: "Error" }, [
        mEl("MessageText", {}, error.message), mEl("ResponseCode", {}, error.code), mEl("DescriptiveLinkKey", {}, 0),
      ]);
    }
  });
  return mEl("ConvertIdResponse", {}, [mEl("ResponseMessages", {}, messages)]);
}
