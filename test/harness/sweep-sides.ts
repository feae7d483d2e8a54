/**
 * Test harness: the two ends of a kill sweep as another client sees them. Each lists the contacts of
 * its collection by a key (the given name, `K…`) with the one field the sweep edits (the job title,
 * vCard `TITLE`), and creates, edits and deletes contacts the way a user's other client would:
 *
 * - {@link EwsSweepSide}: Exchange over HTTP through an {@link EwsClient} (FindItem, CreateItem
 *   without a UID, as Outlook does; UpdateItem with the change key last read; DeleteItem to
 *   Deleted Items).
 * - {@link VdirSweepSide}: files in a vdir folder, written the way editors do (temporary file,
 *   rename), deleted with unlink.
 * - {@link DavSweepSide}: a CardDAV collection through a {@link DavClient} (PUT with If-Match,
 *   DELETE with If-Match).
 */
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import { join } from "node:path";
import type { DavClient } from "@ewsdav/dav-client";
import { isEwsError, type Contact, type EwsClient, type FolderReference, type ItemId } from "@ewsdav/ews-client";

/** One contact as a sweep sees it. */
export interface SweepItem {
  /** The sweep's key (the given name), or `?<id>` when the item has none. */
  key: string;
  /** The job title (`TITLE`), the field every edit changes; "" when absent. */
  title: string;
  /** Where the item is (side-specific). */
  ref: unknown;
}

/** One end of a sweep. */
export interface SweepSide {
  /** `ews` or the local end's kind. */
  readonly name: string;
  list(): Promise<SweepItem[]>;
  create(items: ReadonlyArray<{ key: string; title: string }>): Promise<void>;
  edit(items: ReadonlyArray<{ item: SweepItem; title: string }>): Promise<void>;
  remove(items: readonly SweepItem[]): Promise<void>;
}

/** The surname every sweep contact has. */
export const SWEEP_SURNAME = "Sweep";

/** vCard 3.0 text of a new sweep contact, as a DAV or vdir client writes it. */
export function sweepCard(key: string, title: string): string {
  return ["BEGIN:VCARD", "VERSION:3.0", `UID:sweep-${key}-${randomBytes(4).toString("hex")}`, `FN:${key} ${SWEEP_SURNAME}`, `N:${SWEEP_SURNAME};${key};;;`, `TITLE:${title}`, "END:VCARD", ""].join("\r\n");
}

function unfold(text: string): string {
  return text.replace(/\r?\n[ \t]/g, "");
}

/** The key and title of a vCard's text. */
export function keyAndTitleOfCard(text: string, id: string): { key: string; title: string } {
  const unfolded = unfold(text);
  const n = /^N(?:;[^:\r\n]*)?:([^\r\n]*)$/im.exec(unfolded)?.[1];
  const given = n?.split(";")[1]?.trim();
  const title = /^TITLE(?:;[^:\r\n]*)?:([^\r\n]*)$/im.exec(unfolded)?.[1]?.trim() ?? "";
  return { key: given || `?${id}`, title };
}

/** A vCard's text with its TITLE set to `title` (the rest untouched). */
export function withTitle(text: string, title: string): string {
  const unfolded = unfold(text);
  if (/^TITLE(?:;[^:\r\n]*)?:/im.test(unfolded)) return unfolded.replace(/^TITLE(?:;[^:\r\n]*)?:[^\r\n]*$/im, `TITLE:${title}`);
  return unfolded.replace(/^END:VCARD/im, `TITLE:${title}\r\nEND:VCARD`);
}

function check<T>(results: ReadonlyArray<T | Error>, what: string): void {
  const failed = results.filter((r): r is Error => r instanceof Error);
  if (failed.length) throw new Error(`${what}: ${failed.length} failed, first: ${failed[0]!.message}`);
}

/** Exchange over HTTP, as another client. */
export class EwsSweepSide implements SweepSide {
  readonly name = "ews";
  constructor(
    readonly client: EwsClient,
    readonly folder: FolderReference = { distinguishedId: "contacts" },
  ) {}

  async list(): Promise<SweepItem[]> {
    const items = await this.client.findItem({ folder: this.folder, shape: { baseShape: "AllProperties" } });
    return items.flatMap((parsed) => {
      if (parsed.type !== "Contact") return [];
      const c = parsed.item;
      return [{ key: c.givenName || `?${c.itemId?.id ?? "no-id"}`, title: c.jobTitle ?? "", ref: c.itemId }];
    });
  }

  async create(items: ReadonlyArray<{ key: string; title: string }>): Promise<void> {
    if (!items.length) return;
    const contacts = items.map(({ key, title }) => ({
      type: "Contact" as const,
      item: { givenName: key, surname: SWEEP_SURNAME, displayName: `${key} ${SWEEP_SURNAME}`, fileAs: `${SWEEP_SURNAME}, ${key}`, jobTitle: title } satisfies Contact,
    }));
    check(await this.client.createItem(contacts, { savedItemFolder: this.folder }), "EWS CreateItem");
  }

  async edit(items: ReadonlyArray<{ item: SweepItem; title: string }>): Promise<void> {
    if (!items.length) return;
    const updates = items.map(({ item, title }) => ({
      target: item.ref as ItemId,
      before: { type: "Contact" as const, item: { jobTitle: item.title } },
      after: { type: "Contact" as const, item: { jobTitle: title } },
    }));
    check(await this.client.updateItem(updates), "EWS UpdateItem");
  }

  async remove(items: readonly SweepItem[]): Promise<void> {
    if (!items.length) return;
    const results = await this.client.deleteItem(items.map((i) => i.ref as ItemId));
    check(
      results.map((r) => (isEwsError(r) ? r : true)),
      "EWS DeleteItem",
    );
  }
}

/** A vdir collection folder, as another program editing files. */
export class VdirSweepSide implements SweepSide {
  readonly name = "vdir";
  constructor(readonly dir: string) {}

  async list(): Promise<SweepItem[]> {
    const out: SweepItem[] = [];
    for (const name of await fs.readdir(this.dir)) {
      if (name.startsWith(".") || !name.endsWith(".vcf")) continue;
      const text = await fs.readFile(join(this.dir, name), "utf8").catch(() => null);
      if (text === null) continue;
      out.push({ ...keyAndTitleOfCard(text, name), ref: name });
    }
    return out;
  }

  async #replace(name: string, text: string): Promise<void> {
    const temp = join(this.dir, `.editor-${randomBytes(6).toString("hex")}`);
    await fs.writeFile(temp, text);
    await fs.rename(temp, join(this.dir, name));
  }

  async create(items: ReadonlyArray<{ key: string; title: string }>): Promise<void> {
    for (const { key, title } of items) await this.#replace(`${key}.vcf`, sweepCard(key, title));
  }

  async edit(items: ReadonlyArray<{ item: SweepItem; title: string }>): Promise<void> {
    for (const { item, title } of items) {
      const name = item.ref as string;
      await this.#replace(name, withTitle(await fs.readFile(join(this.dir, name), "utf8"), title));
    }
  }

  async remove(items: readonly SweepItem[]): Promise<void> {
    for (const item of items) await fs.unlink(join(this.dir, item.ref as string));
  }
}

/** A CardDAV collection, as another client. */
export class DavSweepSide implements SweepSide {
  readonly name = "dav";
  constructor(
    readonly client: DavClient,
    readonly collectionUrl: string,
  ) {}

  async list(): Promise<SweepItem[]> {
    return (await this.client.fetchAll(this.collectionUrl)).map((i) => ({ ...keyAndTitleOfCard(i.data, i.href), ref: i }));
  }

  async create(items: ReadonlyArray<{ key: string; title: string }>): Promise<void> {
    if (!items.length) return;
    check(await this.client.createItems(this.collectionUrl, items.map(({ key, title }) => ({ name: `${key}.vcf`, text: sweepCard(key, title) }))), "DAV PUT (create)");
  }

  async edit(items: ReadonlyArray<{ item: SweepItem; title: string }>): Promise<void> {
    if (!items.length) return;
    const updates = items.map(({ item, title }) => {
      const dav = item.ref as { href: string; etag: string; data: string };
      return { href: dav.href, etag: dav.etag, text: withTitle(dav.data, title) };
    });
    check(await this.client.updateItems(updates), "DAV PUT (update)");
  }

  async remove(items: readonly SweepItem[]): Promise<void> {
    if (!items.length) return;
    const results = await this.client.deleteItems(items.map((i) => ({ href: (i.ref as { href: string }).href, etag: (i.ref as { etag: string }).etag })));
    check(
      results.map((r) => r ?? true),
      "DAV DELETE",
    );
  }
}
