/**
 * Graph ids over the simulator's mailbox records. Graph's REST ids name the same objects as EWS
 * ids but are different strings (URL-safe, as Graph's are); immutable ids (`Prefer:
 * IdType="ImmutableId"`, translateExchangeIds' `restImmutableEntryId`) stay the same when an
 * item moves, where the EWS id and the REST id change. Clients must treat every id as opaque.
 */
import { decodeId, encodeId, type SimulatedMailbox } from "@ewsdav/ews-simulator";

/** What a Graph id names: a folder or an item, by its current record number. */
export interface GraphIdTarget {
  kind: "folder" | "item";
  /** Hex of the store guid. */
  store: string;
  number: number;
}

const REST = Buffer.from("GR");
const IMMUTABLE = Buffer.from("GI");
const KIND = { folder: 0x46, item: 0x49 } as const;

/** The REST id of an object: base64url of a marker and the EWS id's bytes. */
export function restId(box: SimulatedMailbox, kind: "folder" | "item", number: number): string {
  return Buffer.concat([REST, Buffer.from(encodeId(kind, box.guid, number), "base64")]).toString("base64url");
}

/** The EWS id a REST id stands for, or undefined when it is not a REST id. */
export function ewsIdOfRest(id: string): string | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(id)) return undefined;
  const bytes = Buffer.from(id, "base64url");
  if (bytes.length < 3 || !bytes.subarray(0, 2).equals(REST)) return undefined;
  return bytes.subarray(2).toString("base64");
}

function immutableBytes(box: SimulatedMailbox, kind: "folder" | "item", number: number): string {
  const n = Buffer.alloc(4);
  n.writeUInt32BE(number >>> 0);
  return Buffer.concat([IMMUTABLE, Buffer.from([KIND[kind]]), box.guid, n]).toString("base64url");
}

/**
 * Immutable ids of one mailbox: an item keeps the immutable id it was created with across moves
 * (read from the store's event log, where a move names the old and the new record number).
 */
export class ImmutableIds {
  private readonly immutableOf = new Map<number, number>();
  private readonly currentOf = new Map<number, number>();
  private seen = 0;

  constructor(private readonly box: SimulatedMailbox) {}

  private catchUp(): void {
    const events = this.box.events;
    // The log only grows; a shorter one (never expected) restarts the scan.
    if (events.length < this.seen) this.seen = 0;
    for (; this.seen < events.length; this.seen++) {
      const e = events[this.seen]!;
      if (e.type !== "MovedEvent" || e.isFolder || e.oldNumber === undefined) continue;
      const immutable = this.immutableOf.get(e.oldNumber) ?? e.oldNumber;
      this.immutableOf.delete(e.oldNumber);
      this.immutableOf.set(e.number, immutable);
      this.currentOf.set(immutable, e.number);
    }
  }

  /** The immutable id of an object by its current record number. */
  idOf(kind: "folder" | "item", number: number): string {
    if (kind === "folder") return immutableBytes(this.box, kind, number);
    this.catchUp();
    return immutableBytes(this.box, kind, this.immutableOf.get(number) ?? number);
  }

  /** The current record number of an immutable id's object, or undefined when it is not one of this mailbox. */
  resolve(id: string): GraphIdTarget | undefined {
    if (!/^[A-Za-z0-9_-]+$/.test(id)) return undefined;
    const bytes = Buffer.from(id, "base64url");
    if (bytes.length !== 2 + 1 + 16 + 4 || !bytes.subarray(0, 2).equals(IMMUTABLE)) return undefined;
    const kind = bytes[2] === KIND.folder ? "folder" : bytes[2] === KIND.item ? "item" : undefined;
    const store = bytes.subarray(3, 19).toString("hex");
    if (!kind || store !== this.box.guidHex) return undefined;
    const immutable = bytes.readUInt32BE(19);
    if (kind === "folder") return { kind, store, number: immutable };
    this.catchUp();
    return { kind, store, number: this.currentOf.get(immutable) ?? immutable };
  }
}

/** Resolves a Graph id given in either form (REST or immutable) in `box`. */
export function resolveGraphId(box: SimulatedMailbox, immutable: ImmutableIds, id: string): GraphIdTarget | undefined {
  const ews = ewsIdOfRest(id);
  if (ews !== undefined) {
    const d = decodeId(ews);
    if (!d || d.store !== box.guidHex || (d.kind !== "folder" && d.kind !== "item")) return undefined;
    return { kind: d.kind, store: d.store, number: d.number };
  }
  return immutable.resolve(id);
}

/** The Graph user id (an object id GUID) of a mailbox, derived from its store guid. */
export function userObjectId(box: SimulatedMailbox): string {
  const h = box.guidHex;
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
