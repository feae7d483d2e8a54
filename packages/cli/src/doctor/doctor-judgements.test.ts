/**
 * The pure parts of `ewsdav doctor`: the exit code of a set of checks, the step timeout, and the
 * verdicts on a TLS handshake, a clock skew and an Exchange version; and the text lines.
 */
import type { PeerCertificate } from "node:tls";
import { describe, expect, it } from "vitest";
import { exitCodeOfChecks, runStep, StepTimeoutError, type CheckResult } from "./check.js";
import { exchangeProduct, judgeExchangeVersion } from "./ews.js";
import { endpointOf, judgeClockSkew, judgeHandshake } from "./network.js";
import { groupLines } from "./render.js";

const result = (verdict: CheckResult["verdict"], category?: CheckResult["category"]): CheckResult => ({
  account: "a",
  id: "dns",
  title: "DNS",
  verdict,
  summary: "s",
  ...(category ? { category, advice: "do" } : {}),
});

describe("exitCodeOfChecks", () => {
  it("is 0 with warnings and skipped checks, else the most serious failure's code", () => {
    expect(exitCodeOfChecks([result("ok"), result("warning"), result("skipped")])).toBe(0);
    expect(exitCodeOfChecks([result("failed", "other")])).toBe(1);
    expect(exitCodeOfChecks([result("failed", "other"), result("failed", "connection")])).toBe(4);
    expect(exitCodeOfChecks([result("failed", "connection"), result("failed", "auth")])).toBe(3);
    expect(exitCodeOfChecks([result("failed", "auth"), result("failed", "config")])).toBe(2);
  });
});

describe("runStep", () => {
  it("returns the task's value, and gives up on a task that ignores its signal with a StepTimeoutError", async () => {
    const parent = new AbortController().signal;
    expect(await runStep("quick", 5_000, parent, async () => 42)).toBe(42);
    let sawAbort = false;
    const never = (signal: AbortSignal) =>
      new Promise<never>(() => {
        signal.addEventListener("abort", () => (sawAbort = true));
      });
    const error = await runStep("DNS", 20, parent, never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StepTimeoutError);
    expect((error as Error).message).toBe("DNS did not finish within 20 ms");
    expect(sawAbort).toBe(true);
  });

  it("names the timeout even when the task rejects with its own abort error first", async () => {
    const parent = new AbortController().signal;
    const listening = (signal: AbortSignal) => new Promise<never>((_, reject) => signal.addEventListener("abort", () => reject(new Error("aborted by the task"))));
    await expect(runStep("Sign-in", 20, parent, listening)).rejects.toBeInstanceOf(StepTimeoutError);
  });
});

const DAY = 86_400_000;
const NOW = Date.parse("2026-12-05T12:00:00Z");

function certificate(validTo: number): PeerCertificate {
  return {
    subject: { CN: "mail.example.com" },
    issuer: { CN: "Example CA" },
    subjectaltname: "DNS:mail.example.com, DNS:autodiscover.example.com",
    valid_from: new Date(NOW - 30 * DAY).toUTCString(),
    valid_to: new Date(validTo).toUTCString(),
  } as unknown as PeerCertificate;
}

describe("judgeHandshake", () => {
  const endpoint = endpointOf("https://mail.example.com/EWS/Exchange.asmx");

  it("ok for a trusted certificate valid for months, naming the protocol, date and issuer", () => {
    const outcome = judgeHandshake(endpoint, { protocol: "TLSv1.3", authorized: true, authorizationError: undefined, certificate: certificate(NOW + 90 * DAY) }, NOW);
    expect(outcome).toMatchObject({ verdict: "ok", summary: "TLSv1.3; certificate valid for mail.example.com until 2027-03-05 (issued by Example CA)" });
  });

  it("a warning within 14 days of expiry, and for TLS 1.1", () => {
    expect(judgeHandshake(endpoint, { protocol: "TLSv1.2", authorized: true, authorizationError: undefined, certificate: certificate(NOW + 13 * DAY + 1000) }, NOW)).toMatchObject({
      verdict: "warning",
      summary: "TLSv1.2; the certificate of mail.example.com:443 expires on 2026-12-18 (in 13 days)",
    });
    expect(judgeHandshake(endpoint, { protocol: "TLSv1.1", authorized: true, authorizationError: undefined, certificate: certificate(NOW + 90 * DAY) }, NOW).verdict).toBe("warning");
  });

  it("failed, with the reason, for an expired, foreign or untrusted certificate", () => {
    const refused = (code: string) => judgeHandshake(endpoint, { protocol: "TLSv1.3", authorized: false, authorizationError: code, certificate: certificate(NOW - DAY) }, NOW);
    expect(refused("CERT_HAS_EXPIRED")).toMatchObject({ verdict: "failed", category: "connection", summary: "the certificate of mail.example.com:443 expired on 2026-12-04" });
    expect(refused("ERR_TLS_CERT_ALTNAME_INVALID").summary).toBe("the certificate of mail.example.com:443 is for mail.example.com, autodiscover.example.com, not mail.example.com");
    expect(refused("SELF_SIGNED_CERT_IN_CHAIN").advice).toContain("NODE_EXTRA_CA_CERTS");
  });
});

describe("judgeClockSkew", () => {
  it("ok within 2 minutes either way, a warning beyond, saying which way", () => {
    expect(judgeClockSkew(0, "d")).toMatchObject({ verdict: "ok", summary: "the server's clock agrees with this machine's" });
    expect(judgeClockSkew(-90_000, "d")).toMatchObject({ verdict: "ok", summary: "the server's clock is 90 s behind this machine's (within 2 min)" });
    const late = judgeClockSkew(-7 * 60_000, "d");
    expect(late.verdict).toBe("warning");
    expect(late.summary).toMatch(/^the server's clock is 7 min behind this machine's: NTLM and OAuth/);
    expect(late.details).toEqual({ skewSeconds: -420, serverDate: "d" });
  });
});

describe("judgeExchangeVersion", () => {
  const info = (majorVersion: number, minorVersion: number, majorBuildNumber: number, version?: string) => ({ majorVersion, minorVersion, majorBuildNumber, minorBuildNumber: 0, ...(version ? { version } : {}) });

  it("names the product and what the negotiated version implies", () => {
    expect(exchangeProduct(info(15, 2, 1544))).toBe("Exchange 2019 or Subscription Edition (15.2.1544)");
    expect(exchangeProduct(info(14, 3, 123))).toBe("Exchange 2010 SP3 (14.3.123)");
    expect(judgeExchangeVersion(info(15, 1, 2507), "Exchange2016")).toMatchObject({ verdict: "ok", summary: "Exchange 2016 (15.1.2507); requests use Exchange2016: every property ewsdav maps is available" });
    const sp2 = judgeExchangeVersion(info(14, 2, 247, "Exchange2010_SP2"), "Exchange2010_SP2");
    expect(sp2.verdict).toBe("ok");
    expect(sp2.summary).toContain("a contact's gender (an Exchange 2016 property) is not stored there");
  });

  it("warns for servers older than Exchange 2010 SP2, for Exchange Online's EWS shutdown, and when no version was sent", () => {
    const old = judgeExchangeVersion(info(14, 0, 639), "Exchange2010");
    expect(old).toMatchObject({ verdict: "warning", advice: "upgrade the server to Exchange 2010 SP2 or later" });
    expect(old.summary).toContain("without streaming notifications");
    const online = judgeExchangeVersion(info(15, 20, 8000, "V2018_01_08"), "Exchange2016");
    expect(online.verdict).toBe("warning");
    expect(online.summary).toMatch(/^Exchange Online \(15\.20\.8000\).*switched off on 1 April 2027/);
    expect(judgeExchangeVersion(undefined, "Exchange2010_SP2").verdict).toBe("warning");
  });
});

describe("groupLines", () => {
  const group = {
    account: "work",
    type: "ews",
    target: "https://mail.example.com/EWS/Exchange.asmx",
    notes: [],
    checks: [
      { ...result("ok"), summary: "mail.example.com → 192.0.2.1" },
      { ...result("failed", "auth"), title: "Sign-in", summary: "refused", advice: "check the password" },
      { ...result("skipped"), title: "EWS version", summary: "not run because Sign-in failed", advice: "fix Sign-in first" },
    ],
  };

  it("marks on a terminal, plain words elsewhere; advice under warnings and failures, inline for skipped checks", () => {
    expect(groupLines(group, true)).toEqual([
      "work (ews, https://mail.example.com/EWS/Exchange.asmx)",
      "  ✓ DNS: mail.example.com → 192.0.2.1",
      "  ✗ Sign-in: refused",
      "      → check the password",
      "  – EWS version: not run because Sign-in failed; fix Sign-in first",
    ]);
    expect(groupLines(group, false)).toEqual([
      "work (ews, https://mail.example.com/EWS/Exchange.asmx)",
      "  ok      DNS: mail.example.com → 192.0.2.1",
      "  FAILED  Sign-in: refused",
      "            → check the password",
      "  skipped EWS version: not run because Sign-in failed; fix Sign-in first",
    ]);
  });
});
