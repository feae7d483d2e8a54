import { describe, expect, it } from "vitest";
import { runDemo } from "./demo.js";

describe("npm run demo", () => {
  it("syncs the simulator's mailbox with a vdir folder and propagates one edit each way", async () => {
    const lines: string[] = [];
    const result = await runDemo((l) => lines.push(l));
    expect(result.first.ok).toBe(true);
    expect(result.second.ok).toBe(true);
    expect(result.localEditArrived).toBe(true);
    expect(result.remoteEditArrived).toBe(true);
    expect(lines.join("\n")).not.toContain("secret");
  });
});
