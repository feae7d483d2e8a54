/**
 * `ewsdav discover ADDRESS` through the real binary, against the simulator's autodiscover servers
 * on loopback HTTPS: `example.com` is pointed at them with `--connect-to` (every other host at a
 * closed port, so nothing depends on the machine's DNS), and their certificates come from a test
 * CA that the process trusts through NODE_EXTRA_CA_CERTS (certificate checks stay on).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestCertificateAuthority, startAutodiscoverSimulator, type AutodiscoverSimulator, type AutodiscoverSimulatorOptions, type TestCertificateAuthority } from "@ewsdav/ews-simulator";
import { freePort } from "../../../test/harness/dav-servers.js";
import { runCli } from "./cli.test-support.js";

const USER = "alice@example.com";
const PASSWORD = "autodiscover-Pa55word";
const EWS = "https://mail.example.com/EWS/Exchange.asmx";

let ca: TestCertificateAuthority;
let caFile: string;
let closed: number;
const servers: AutodiscoverSimulator[] = [];

beforeAll(async () => {
  ca = createTestCertificateAuthority();
  caFile = join(mkdtempSync(join(tmpdir(), "ewsdav-discover-")), "ca.pem");
  writeFileSync(caFile, ca.caCert);
  closed = await freePort();
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  ca?.dispose();
});

/** An autodiscover server for example.com and autodiscover.example.com, wanting Alice's Basic credentials. */
async function server(users: AutodiscoverSimulatorOptions["users"]): Promise<AutodiscoverSimulator> {
  const s = await startAutodiscoverSimulator({ tls: ca.issue(["example.com", "autodiscover.example.com"]), basic: { username: USER, password: PASSWORD }, users });
  servers.push(s);
  return s;
}

/** Runs `ewsdav discover` with example.com at `port` (when given) and every other host at a closed port. */
function discover(args: string[], port?: number, password = PASSWORD) {
  const mapping = [...(port ? ["--connect-to", `example.com:443:127.0.0.1:${port}`] : []), "--connect-to", `::127.0.0.1:${closed}`, "--no-srv"];
  return runCli(["discover", USER, ...mapping, ...args], { env: { NODE_EXTRA_CA_CERTS: caFile, AD_PASSWORD: password } });
}

describe("ewsdav discover", () => {
  it("finds the EWS URL and says how; --json carries the result and every attempt", async () => {
    const s = await server({ [USER]: { externalEwsUrl: EWS } });
    const run = await discover(["-u", USER, "--password-env", "AD_PASSWORD", "--json"], s.port);
    expect(run.code, run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout) as { ok: boolean; result: Record<string, unknown>; attempts: Array<Record<string, unknown>> };
    expect(doc.ok).toBe(true);
    expect(doc.result).toMatchObject({ ewsUrl: EWS, protocol: "soap", autodiscoverUrl: "https://example.com/autodiscover/autodiscover.svc", serverVersion: { majorVersion: 15, minorVersion: 1 } });
    expect(doc.attempts).toEqual([{ url: "https://example.com/autodiscover/autodiscover.svc", kind: "soap", outcome: "success", detail: EWS, contacted: true }]);
    expect(s.requests.at(-1)).toMatchObject({ hadCredentials: true, status: 200 });
    expect(run.stdout + run.stderr).not.toContain(PASSWORD);

    const text = await discover(["-u", USER, "--password-env", "AD_PASSWORD"], s.port);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`EWS URL:        ${EWS}`);
    expect(text.stdout).toMatch(/server version: 15\.1\.2507\.6/);
    expect(text.stdout).toMatch(/found by:\s+SOAP autodiscover at https:\/\/example\.com\/autodiscover\/autodiscover\.svc/);
    expect(text.stdout).toMatch(/Hosts tried:\n {2}✓ soap +https:\/\/example\.com\/autodiscover\/autodiscover\.svc {2}answered/);

    const events = await discover(["-u", USER, "--password-env", "AD_PASSWORD", "--json-lines"], s.port);
    expect(events.code, events.stderr).toBe(0);
    const parsed = events.stdout.trim().split("\n").map((l) => JSON.parse(l) as { type: string; ewsUrl?: string });
    expect(parsed.map((e) => e.type)).toEqual(["attempt", "found"]);
    expect(parsed[1]!.ewsUrl).toBe(EWS);
  });

  it("lists a redirect to a host outside the domain as refused (no credentials sent there) and exits 4", async () => {
    const s = await server({ [USER]: { redirectUrl: "https://autodiscover.attacker.test/autodiscover/autodiscover.svc" } });
    const run = await discover(["-u", USER, "--password-env", "AD_PASSWORD", "--json"], s.port);
    expect(run.code, run.stderr).toBe(4);
    const doc = JSON.parse(run.stdout) as { ok: boolean; error: { code: string }; attempts: Array<{ url: string; outcome: string; contacted: boolean; detail: string }> };
    expect(doc.ok).toBe(false);
    expect(doc.error.code).toBe("AUTODISCOVER_FAILED");
    const refused = doc.attempts.filter((a) => a.outcome === "foreign-host-refused");
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0]).toMatchObject({ url: "https://autodiscover.attacker.test/autodiscover/autodiscover.svc", contacted: false });
    expect(refused[0]!.detail).toContain("outside example.com");
    expect(doc.attempts.map((a) => a.url)).toContain("https://autodiscover.example.com/autodiscover/autodiscover.svc");

    const text = await discover(["-u", USER, "--password-env", "AD_PASSWORD"], s.port);
    expect(text.code).toBe(4);
    expect(text.stderr).toMatch(/- soap +https:\/\/autodiscover\.attacker\.test\/autodiscover\/autodiscover\.svc {2}not contacted: outside your domain/);
    expect(text.stderr).toMatch(/✗ soap +https:\/\/example\.com\/autodiscover\/autodiscover\.svc {2}redirected/);
    expect(text.stdout + text.stderr).not.toContain(PASSWORD);

    // Approved with --approve, the host is contacted (here it does not answer: it is mapped to a closed port).
    const approved = await discover(["-u", USER, "--password-env", "AD_PASSWORD", "--approve", "autodiscover.attacker.test"], s.port);
    expect(approved.code).toBe(4);
    expect(approved.stderr).toMatch(/✗ soap +https:\/\/autodiscover\.attacker\.test\/autodiscover\/autodiscover\.svc {2}no answer \(ECONNREFUSED\)/);
  });

  it("exits 4 when nothing answers, naming every host it tried", async () => {
    const run = await discover([]);
    expect(run.code, run.stderr).toBe(4);
    expect(run.stderr).toContain("error: Autodiscover found no EWS endpoint for example.com");
    for (const url of [
      "https://example.com/autodiscover/autodiscover.svc",
      "https://autodiscover.example.com/autodiscover/autodiscover.svc",
      "https://example.com/autodiscover/autodiscover.xml",
      "https://autodiscover.example.com/autodiscover/autodiscover.xml",
      "http://autodiscover.example.com/autodiscover/autodiscover.xml",
    ]) {
      expect(run.stderr).toMatch(new RegExp(`✗ \\S+ +${url.replace(/[./]/g, "\\$&")} {2}no answer \\(ECONNREFUSED\\)`));
    }
  });

  it("exits 3 when the server refuses the credentials, and never prints the password", async () => {
    const s = await server({ [USER]: { externalEwsUrl: EWS } });
    const run = await discover(["-u", USER, "--password-env", "AD_PASSWORD"], s.port, "wrong-Pa55word");
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toMatch(/refused \(HTTP 401\)/);
    expect(run.stderr).toContain("refused the credentials");
    expect(run.stdout + run.stderr).not.toContain("wrong-Pa55word");
    const anonymous = await discover([], s.port);
    expect(anonymous.code).toBe(3);
    expect(anonymous.stderr).toContain("A server wants credentials for autodiscover: give --username and --password-env VAR.");
  });

  it("refuses bad options with exit 2 naming them", async () => {
    expect((await runCli(["discover", USER, "--connect-to", "example.com:443"])).stderr).toContain("--connect-to example.com:443: expected HOST:PORT:HOST2:PORT2");
    const noVar = await runCli(["discover", USER, "-u", USER, "--password-env", "EWSDAV_NOT_SET_ANYWHERE"]);
    expect(noVar.code).toBe(2);
    expect(noVar.stderr).toContain("EWSDAV_NOT_SET_ANYWHERE is not set");
    const noDomain = await runCli(["discover", "alice", "--no-srv"]);
    expect(noDomain.code).toBe(2);
  });
});
