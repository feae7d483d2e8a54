/**
 * What the EWS and Graph demos share: the card Exchange cannot hold whole, reading a vCard value,
 * and active mode with an edit "in Outlook" every few seconds ({@link watchLive}).
 */
import type { SimulatedMailbox } from "@ewsdav/ews-simulator";
import type { SyncEngine, SyncReport } from "@ewsdav/core";
import { droppedLines } from "../../output/lines.js";

/** What the demo found, for its test. */
export interface DemoResult {
  first: SyncReport;
  second: SyncReport;
  /** The vdir edit arrived in Exchange. */
  localEditArrived: boolean;
  /** The Exchange edit arrived in the vdir folder. */
  remoteEditArrived: boolean;
  /** With `watch`: changes carried while watching, by direction. */
  live?: { toFiles: number; toExchange: number; cycles: number };
}

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Keep the folder and state file afterwards. */
  keep?: boolean;
  /** Reach the mailbox through Microsoft Graph (the Graph simulator over the same mailbox) instead of EWS. */
  graph?: boolean;
  /** After the two cycles, stay in active mode until this signal aborts. */
  watch?: {
    signal: AbortSignal;
    /** How often the demo edits a contact in Exchange (default 10 s; 0: never). */
    exchangeEditEveryMs?: number;
    /** How often the folder is polled (default 1 s). */
    pollIntervalMs?: number;
    /** Called once the watch runs, with the folder of the linked contacts. */
    onWatching?: (contactsFolder: string) => void;
  };
}

/** A card with more than an Exchange contact holds: a fourth e-mail address and an X- property. */
export const LOSSY_CARD = [
  "BEGIN:VCARD",
  "VERSION:4.0",
  "UID:demo-ada-lovelace",
  "FN:Ada Lovelace",
  "N:Lovelace;Ada;;;",
  "EMAIL;TYPE=work:ada@engines.example",
  "EMAIL;TYPE=home:ada@home.example",
  "EMAIL;TYPE=other:countess@lovelace.example",
  "EMAIL:ada@fourth.example",
  "X-DEMO-FAVOURITE-ENGINE:Analytical",
  "END:VCARD",
  "",
].join("\r\n");

export function firstValue(text: string, name: string): string | null {
  const m = new RegExp(`^${name}(?:;[^:\\r\\n]*)?:(.*)$`, "m").exec(text.replace(/\r?\n[ \t]/g, ""));
  return m ? m[1]!.replace(/\r$/, "") : null;
}

/** Active mode until the signal aborts, with an Exchange-side edit every few seconds. */
export async function watchLive(
  engine: SyncEngine,
  box: SimulatedMailbox,
  exchangeFolder: string,
  contactsDir: string,
  names: Map<string, string>,
  print: (line: string) => void,
  options: NonNullable<DemoOptions["watch"]>,
  remote: { sideName: string },
): Promise<NonNullable<DemoResult["live"]>> {
  const live = { toFiles: 0, toExchange: 0, cycles: 0 };
  const clock = () => new Date().toISOString().slice(11, 23);
  engine.events.on("watch-status", (s) => print(`${clock()} ${s.side}: ${s.state}${s.detail ? ` (${s.detail})` : ""}`));
  engine.events.on("watch-cycle", ({ pairId, triggers, report }) => {
    live.cycles++;
    const name = names.get(pairId) ?? pairId;
    for (const ref of [...report.local.created, ...report.local.updated, ...report.local.deleted]) {
      live.toFiles++;
      print(`${clock()} Exchange → files   ${name}: ${ref.uid} (${triggers.join("+")})`);
    }
    for (const ref of [...report.remote.created, ...report.remote.updated, ...report.remote.deleted]) {
      live.toExchange++;
      print(`${clock()} files → Exchange   ${name}: ${ref.uid} (${triggers.join("+")})`);
    }
    for (const line of droppedLines(report, { local: "files", remote: remote.sideName }, { maxLines: 5 })) print(`${clock()} ${name}: ${line}`);
    for (const e of report.errors) print(`${clock()} ${name}: error ${e.code}: ${e.message}`);
  });
  const watch = await engine.watch({ pollIntervalMs: options.pollIntervalMs ?? 1_000 });
  print(`\n== watching (Ctrl-C to stop): edit, add or delete a file in ${contactsDir} and see it reach Exchange;`);
  print(`   every few seconds the demo edits a contact in Exchange, as Outlook would, and it reaches the files`);
  options.onWatching?.(contactsDir);
  const every = options.exchangeEditEveryMs ?? 10_000;
  let n = 0;
  const timer =
    every > 0
      ? setInterval(() => {
          const items = box.items(exchangeFolder).filter((i) => i.kind === "Contact");
          if (items.length === 0) return;
          const item = items[n++ % items.length]!;
          box.updateItem(item.id, `<Contact><JobTitle>Edited in Exchange at ${clock()}</JobTitle></Contact>`);
          print(`${clock()} (demo) edited "${item.get("DisplayName") ?? item.id}" in Exchange`);
        }, every)
      : undefined;
  if (options.signal.aborted) await watch.stop();
  else options.signal.addEventListener("abort", () => void watch.stop(), { once: true });
  await watch.done;
  clearInterval(timer);
  print(`\nstopped watching: ${live.toFiles} changes to the files, ${live.toExchange} to Exchange, in ${live.cycles} cycles`);
  return live;
}
