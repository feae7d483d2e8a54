/**
 * `ewsdav init`, the pairs: for contacts, calendar and tasks in turn, which Exchange folders to
 * sync (the mailbox's default folder first and offered by default; the others listed), and for
 * each the DAV collection it pairs with — an existing one of that kind not yet taken, or a new
 * one (`"create": true`: the first sync creates it). A new collection's name may not be one an
 * existing collection already has (the config finds collections by id or name).
 */
import type { CollectionInfo, CollectionKind } from "@ewsdav/core";
import type { Prompter } from "../../prompt.js";
import { KIND_LABEL, type DraftAccount } from "./draft.js";

/** A pair as written to the config. */
export interface RawPair {
  id: string;
  kind: CollectionKind;
  remote: { account: string; folder: string };
  local: { account: string; collection: string; create?: true };
}

/** What a pair stands for, for the summary. */
export interface PairSummary {
  pair: RawPair;
  folderName: string;
  collectionName: string;
  created: boolean;
}

function holds(c: CollectionInfo, kind: CollectionKind): boolean {
  return c.kind === kind || (c.kinds ?? []).includes(kind);
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "") || "pair";
}

/** What Graph calls the folders of each kind. */
const GRAPH_FOLDER_WORD: Record<CollectionKind, string> = { contacts: "contact folders", events: "calendars", tasks: "To Do lists" };

/** Asks which folders pair with which collections. */
export async function askPairs(prompter: Prompter, exchange: DraftAccount, dav: DraftAccount): Promise<PairSummary[]> {
  const pairs: PairSummary[] = [];
  const taken = new Set<string>();
  const ids = new Set<string>();
  const names = new Set(dav.collections.flatMap((c) => [c.displayName.toLowerCase(), c.id.toLowerCase()]));
  for (const kind of ["contacts", "events", "tasks"] as const) {
    const label = KIND_LABEL[kind].plural;
    // Graph's names of the folders: contact folders, calendars and To Do lists.
    const folderWord = exchange.raw.type === "graph" ? GRAPH_FOLDER_WORD[kind] : `${label} folders`;
    const defaultId = exchange.defaults?.[kind];
    const folders = exchange.collections.filter((c) => c.kind === kind).sort((a, b) => Number(b.id === defaultId) - Number(a.id === defaultId));
    if (folders.length === 0) {
      prompter.note(`Exchange has no ${exchange.raw.type === "graph" ? folderWord.replace(/s$/, "") : `${label} folder`}.`);
      continue;
    }
    const chosen = await prompter.chooseMany(
      `Which Exchange ${folderWord} should be synced?`,
      folders.map((f) => ({ value: f.id, label: `${f.displayName}${f.id === defaultId ? " (default)" : ""}` })),
      { default: [folders[0]!.id] },
    );
    for (const folderId of chosen) {
      const folder = folders.find((f) => f.id === folderId)!;
      const candidates = dav.collections.filter((c) => holds(c, kind) && !taken.has(c.id));
      const NEW = "\u0000new";
      const match = candidates.find((c) => c.displayName.toLowerCase() === folder.displayName.toLowerCase()) ?? candidates[0];
      const target = await prompter.choose(
        `Pair Exchange "${folder.displayName}" with which ${label} collection?`,
        [...candidates.map((c) => ({ value: c.id, label: `${c.displayName} (${c.id})` })), { value: NEW, label: "new — a new collection, made by the first sync" }],
        { default: match ? match.id : NEW },
      );
      let collectionName: string;
      let collection: string;
      const created = target === NEW;
      if (created) {
        const proposed = names.has(folder.displayName.toLowerCase()) ? `Exchange ${folder.displayName}` : folder.displayName;
        collectionName = await prompter.ask("Name of the new collection:", {
          ...(names.has(proposed.toLowerCase()) ? {} : { default: proposed }),
          validate: (a) => (names.has(a.toLowerCase()) ? `a collection named "${a}" exists already; pick another name` : undefined),
        });
        names.add(collectionName.toLowerCase());
        collection = collectionName;
      } else {
        const existing = candidates.find((c) => c.id === target)!;
        taken.add(existing.id);
        collectionName = existing.displayName;
        collection = existing.id;
      }
      // A folder is named by its display name where that is unambiguous (readable), by its id otherwise.
      const sameName = exchange.collections.filter((c) => c.kind === kind && c.displayName === folder.displayName).length;
      let id = folder.id === defaultId || (chosen.length === 1 && !ids.has(KIND_LABEL[kind].pairId)) ? KIND_LABEL[kind].pairId : `${KIND_LABEL[kind].pairId}-${slug(folder.displayName)}`;
      for (let n = 2; ids.has(id); n++) id = `${KIND_LABEL[kind].pairId}-${slug(folder.displayName)}-${n}`;
      ids.add(id);
      pairs.push({
        pair: {
          id,
          kind,
          remote: { account: exchange.name, folder: sameName === 1 ? folder.displayName : folder.id },
          local: { account: dav.name, collection, ...(created ? { create: true as const } : {}) },
        },
        folderName: folder.displayName,
        collectionName,
        created,
      });
    }
  }
  return pairs;
}
