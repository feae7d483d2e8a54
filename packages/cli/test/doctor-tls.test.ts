/**
 * `ewsdav doctor`'s TLS and clock checks through the real binary, against https servers on
 * loopback with certificates from a test CA (trusted through NODE_EXTRA_CA_CERTS): a certificate
 * valid for a day (the expiry warning, and the protocol named), one for another host name, one
 * self-signed, and a server whose clock is ten minutes ahead. The servers only answer 401: what
 * is checked here comes before the sign-in (no EWS server serves these certificates).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestCertificateAuthority, type TestCertificateAuthority, type TestKeyPair } from "@ewsdav/ews-simulator";
import { runCli } from "./cli.test-support.js";

interface CheckJson {
  id: string;
  verdict: string;
  summary: string;
  advice?: string;
  category?: string;
}

/** An https server answering every request 401, with its `Date` header moved by `skewMs`. */
async function startRefusingServer(pair: TestKeyPair, skewMs = 0): Promise<{ server: Server; port: number }> {
  const server = createServer({ key: pair.key, cert: pair.cert }, (request, response) => {
    request.resume();
    response.sendDate = false;
    response.writeHead(401, { date: new Date(Date.now() + skewMs).toUTCString(), "www-authenticate": 'Basic realm="test"', "content-length": "0" });
    response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as { port: number }).port };
}

describe("ewsdav doctor: TLS and clock", () => {
  let ca: TestCertificateAuthority;
  let caFile: string;
  const servers: Server[] = [];
  beforeAll(() => {
    ca = createTestCertificateAuthority();
    caFile = join(mkdtempSync(join(tmpdir(), "ewsdav-doctor-ca-")), "ca.pem");
    writeFileSync(caFile, ca.caCert);
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    ca?.dispose();
  });

  /** Runs doctor with `--json` on an EWS account at `url`; returns the exit code and the account's checks by id. */
  async function doctor(url: string): Promise<{ code: number | null; checks: Map<string, CheckJson> }> {
    const dir = mkdtempSync(join(tmpdir(), "ewsdav-doctor-tls-"));
    const configPath = join(dir, "config.json");
    writeFileSync(
      configPath,
      JSON.stringify({
        state: "state.db",
        accounts: {
          work: { type: "ews", url, mailbox: "alice@example.com", auth: { type: "basic", username: "alice@example.com", passwordEnv: "DOCTOR_TLS_PASSWORD" } },
          files: { type: "vdir", path: "vdir" },
        },
        pairs: [{ kind: "contacts", remote: { account: "work", folder: "Contacts" }, local: { account: "files", collection: "contacts", create: true } }],
      }),
    );
    const run = await runCli(["doctor", "--config", configPath, "--account", "work", "--json"], { env: { NODE_EXTRA_CA_CERTS: caFile, DOCTOR_TLS_PASSWORD: "Tls-Pa55-word" } });
    expect(run.stderr).not.toContain("Tls-Pa55-word");
    expect(run.stdout).not.toContain("Tls-Pa55-word");
    const doc = JSON.parse(run.stdout) as { accounts: Array<{ checks: CheckJson[] }> };
    return { code: run.code, checks: new Map(doc.accounts[0]!.checks.map((c) => [c.id, c])) };
  }

  it("a trusted certificate that expires within 14 days: a warning naming the date and the TLS version; the clock ten minutes ahead: a warning", async () => {
    const { server, port } = await startRefusingServer(ca.issue(["localhost"]), 10 * 60_000);
    servers.push(server);
    const { code, checks } = await doctor(`https://localhost:${port}/EWS/Exchange.asmx`);
    const tls = checks.get("tls")!;
    expect(tls.verdict).toBe("warning");
    expect(tls.summary).toMatch(/^TLSv1\.[23]; the certificate of localhost:\d+ expires on \d{4}-\d\d-\d\d \((within a day|in 1 day)\)$/);
    expect(tls.advice).toContain("have the server's certificate renewed before");
    const clock = checks.get("clock")!;
    expect(clock.verdict).toBe("warning");
    expect(clock.summary).toMatch(/the server's clock is 10 min ahead of this machine's/);
    expect(clock.advice).toContain("timedatectl");
    // The server refuses every sign-in.
    expect(checks.get("sign-in")).toMatchObject({ verdict: "failed", category: "auth" });
    expect(code).toBe(3);
  });

  it("a certificate for another host name: failed, naming the names it is for; the sign-in is not tried (exit 4)", async () => {
    const { server, port } = await startRefusingServer(ca.issue(["mail.other.example"]));
    servers.push(server);
    const { code, checks } = await doctor(`https://localhost:${port}/EWS/Exchange.asmx`);
    expect(checks.get("tls")).toMatchObject({ verdict: "failed", category: "connection", summary: `the certificate of localhost:${port} is for mail.other.example, not localhost` });
    expect(checks.get("sign-in")!.verdict).toBe("skipped");
    expect(checks.get("clock")!.verdict).toBe("skipped");
    expect(code).toBe(4);
  });

  it("a self-signed certificate: failed, with how to trust its CA", async () => {
    const { server, port } = await startRefusingServer(ca.selfSigned(["localhost"]));
    servers.push(server);
    const { code, checks } = await doctor(`https://localhost:${port}/EWS/Exchange.asmx`);
    const tls = checks.get("tls")!;
    expect(tls.verdict).toBe("failed");
    expect(tls.summary).toMatch(/is not signed by an authority this machine trusts \(DEPTH_ZERO_SELF_SIGNED_CERT\)/);
    expect(tls.advice).toContain("NODE_EXTRA_CA_CERTS");
    expect(code).toBe(4);
  });

  it("the host given by address while the certificate names only the host name: failed (exit 4)", async () => {
    const { server, port } = await startRefusingServer(ca.issue(["localhost"]));
    servers.push(server);
    const { code, checks } = await doctor(`https://127.0.0.1:${port}/EWS/Exchange.asmx`);
    expect(checks.get("tls")).toMatchObject({ verdict: "failed", summary: `the certificate of 127.0.0.1:${port} is for localhost, not 127.0.0.1` });
    expect(code).toBe(4);
  });
});
