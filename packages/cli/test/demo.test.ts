import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runDemo } from "../src/commands/demo/demo.js";
import { until } from "../../../test/harness/wait.js";

describe("npm run demo", () => {
  it("syncs the simulator's mailbox with a vdir folder and propagates one edit each way", async () => {
    const lines: string[] = [];
    const result = await runDemo((l) => lines.push(l));
    expect(result.first.ok).toBe(true);
    expect(result.second.ok).toBe(true);
    expect(result.localEditArrived).toBe(true);
    expect(result.remoteEditArrived).toBe(true);
    expect(lines.join("\n")).not.toContain("secret");
    // The card with four e-mail addresses: the line says which item, which side, what and why.
    const dropped = lines.filter((l) => l.includes("dropped:") && l.includes("demo-ada-lovelace"));
    expect(dropped, lines.join("\n")).toHaveLength(1);
    expect(dropped[0]).toContain("exchange could not store part of demo-ada-lovelace");
    expect(dropped[0]).toMatch(/EMAIL — an Exchange contact holds 3 e-mail addresses/);
    expect(dropped[0]).toContain("X-DEMO-FAVOURITE-ENGINE — ");
  });

  it("--graph tells the same story over the Graph simulator, sharing the mailbox with the EWS simulator", async () => {
    const lines: string[] = [];
    const result = await runDemo((l) => lines.push(l), { graph: true });
    expect(result.first.ok, lines.join("\n")).toBe(true);
    expect(result.second.ok, lines.join("\n")).toBe(true);
    expect(result.localEditArrived, lines.join("\n")).toBe(true);
    expect(result.remoteEditArrived, lines.join("\n")).toBe(true);
    expect(lines.some((l) => l.startsWith("linked Graph contact folder \"Contacts\""))).toBe(true);
    // The summary ends the story: both edits arrived, and the card Exchange cannot hold whole is reported.
    expect(lines.some((l) => /files → Graph: contact \S+ has the new note in the mailbox: yes$/.test(l)), lines.join("\n")).toBe(true);
    expect(lines.some((l) => /Graph → files: .* in the files: yes$/.test(l))).toBe(true);
    const dropped = lines.filter((l) => l.includes("dropped:") && l.includes("demo-ada-lovelace"));
    expect(dropped, lines.join("\n")).toHaveLength(1);
    expect(dropped[0]).toContain("graph could not store part of demo-ada-lovelace");
    expect(dropped[0]).toContain("X-DEMO-FAVOURITE-ENGINE");
  });

  it("--watch carries live edits both ways until stopped", async () => {
    const lines: string[] = [];
    const stop = new AbortController();
    let folder = "";
    const done = runDemo((l) => lines.push(l), { watch: { signal: stop.signal, exchangeEditEveryMs: 300, pollIntervalMs: 100, onWatching: (dir) => (folder = dir) } });
    try {
      await until("watching", () => folder !== "");
      await until("an Exchange edit by the demo reaches the files", () => lines.some((l) => /^\d\d:\d\d:\S+ Exchange → files /.test(l)));
      const card = readdirSync(folder).find((f) => f.endsWith(".vcf"))!;
      const path = join(folder, card);
      writeFileSync(path, readFileSync(path, "utf8").replace("END:VCARD", "NOTE:edited live\r\nEND:VCARD"));
      await until("the file edit reaches Exchange", () => lines.some((l) => /^\d\d:\d\d:\S+ files → Exchange /.test(l)));
    } finally {
      stop.abort();
    }
    const result = await done;
    expect(result.live!.toFiles).toBeGreaterThan(0);
    expect(result.live!.toExchange).toBeGreaterThan(0);
    expect(lines.some((l) => l.includes("exchange: connected"))).toBe(true);
  });
});
