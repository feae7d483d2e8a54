import { describe, expect, it } from "vitest";
import { emptyPairReport, type PairReport, type SyncReport } from "@ewsdav/core";
import { exitCodeOf } from "./cli/failure.js";
import { CliError, EXIT } from "./exit-codes.js";
import { exitCodeOfPair, exitCodeOfReport, mostSerious } from "./report-exit.js";

const stopped = (code: string, cause?: string): PairReport => ({ ...emptyPairReport("p"), error: { code, message: "m", ...(cause ? { cause } : {}) } });

describe("exit codes from a report", () => {
  it.each([
    ["feed-failed", "EWS_UNAUTHORIZED", EXIT.auth],
    ["feed-failed", "UNAUTHORIZED", EXIT.auth],
    ["feed-failed", "HTTP_401", EXIT.auth],
    ["feed-failed", "OAUTH_NOT_SIGNED_IN", EXIT.auth],
    ["feed-failed", "EWS_TRANSPORT_ERROR", EXIT.connection],
    ["feed-failed", "NETWORK", EXIT.connection],
    ["feed-failed", "ECONNREFUSED", EXIT.connection],
    ["feed-failed", "INVALID_XML", EXIT.itemsFailed],
    ["feed-failed", undefined, EXIT.itemsFailed],
    ["mass-delete", undefined, EXIT.safetyStop],
    ["empty-side", undefined, EXIT.safetyStop],
    ["pair-busy", undefined, EXIT.pairBusy],
    ["lease-lost", undefined, EXIT.itemsFailed],
  ] as const)("a pair stopped with %s (cause %s) exits %i", (code, cause, expected) => {
    expect(exitCodeOfPair(stopped(code, cause))).toBe(expected);
  });

  it("an item error is 1, a clean pair 0; the most serious pair wins", () => {
    const failed = { ...emptyPairReport("f"), errors: [{ uid: "u", slot: "remote" as const, id: null, code: "rejected", message: "no" }] };
    expect(exitCodeOfPair(failed)).toBe(EXIT.itemsFailed);
    expect(exitCodeOfPair(emptyPairReport("ok"))).toBe(EXIT.ok);
    const report: SyncReport = { startedAt: "", finishedAt: "", ok: false, pairs: [failed, stopped("pair-busy"), stopped("feed-failed", "NETWORK"), emptyPairReport("ok")] };
    expect(exitCodeOfReport(report)).toBe(EXIT.connection);
    expect(mostSerious([EXIT.ok, EXIT.pairBusy, EXIT.safetyStop])).toBe(EXIT.safetyStop);
    expect(mostSerious([])).toBe(EXIT.ok);
  });
});

describe("exit codes from a thrown error", () => {
  it("reads the error and its causes", () => {
    expect(exitCodeOf(new CliError("x", EXIT.usage))).toBe(EXIT.usage);
    expect(exitCodeOf(Object.assign(new Error("bad"), { name: "ConfigError" }))).toBe(EXIT.usage);
    expect(exitCodeOf(Object.assign(new Error("401"), { code: "EWS_UNAUTHORIZED" }))).toBe(EXIT.auth);
    expect(exitCodeOf(Object.assign(new Error("403"), { code: "EWS_HTTP_ERROR", status: 401 }))).toBe(EXIT.auth);
    expect(exitCodeOf(new Error("wrapped", { cause: Object.assign(new Error("refused"), { code: "ECONNREFUSED" }) }))).toBe(EXIT.connection);
    expect(exitCodeOf(new Error("plain"))).toBe(EXIT.itemsFailed);
  });
});
