/**
 * An NTLM account through the real binary: `ewsdav sync` against the EWS simulator behind its
 * NTLM front (NTLMv2 verified per connection), the password from a private `passwordFile`, the
 * user given as a bare name with `domain`; a wrong password exits with code 3 and prints no secret.
 */
import { chmodSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEwsSimulator, startNtlmGateway, type EwsSimulator, type NtlmGateway } from "@ewsdav/ews-simulator";
import { runCli } from "./cli.test-support.js";

const PASSWORD = "Pässwörd-€-ntlm-7Yq";
let sim: EwsSimulator;
let gateway: NtlmGateway;

beforeAll(async () => {
  sim = await startEwsSimulator({ seed: "small" });
  gateway = await startNtlmGateway({
    target: sim.url,
    accounts: [{ user: "alice", domain: "EXAMPLE", upn: "alice@example.com", password: PASSWORD }],
    backend: () => ({ smtpAddress: "alice@example.com", username: "alice@example.com", password: "secret" }),
  });
});
afterAll(async () => {
  await gateway?.stop();
  await sim?.stop();
});

function writeConfig(password: string, auth: Record<string, unknown>): { dir: string; configPath: string } {
  const dir = mkdtempSync(join(tmpdir(), "ewsdav-ntlm-"));
  writeFileSync(join(dir, "ews-password"), `${password}\n`);
  chmodSync(join(dir, "ews-password"), 0o600);
  const configPath = join(dir, "sync.json");
  writeFileSync(
    configPath,
    JSON.stringify({
      state: "state.db",
      accounts: {
        work: { type: "ews", url: gateway.url, mailbox: "alice@example.com", auth: { type: "ntlm", passwordFile: "ews-password", ...auth } },
        files: { type: "vdir", path: "vdir" },
      },
      pairs: [{ kind: "contacts", remote: { account: "work", folder: "Contacts" }, local: { account: "files", collection: "contacts", create: true } }],
    }),
  );
  return { dir, configPath };
}

describe("an NTLM account", () => {
  it("syncs through the NTLM front with the password from a private file (bare user + domain, and DOMAIN\\user)", async () => {
    for (const auth of [{ username: "alice", domain: "EXAMPLE" }, { username: "EXAMPLE\\alice" }]) {
      const before = gateway.verifier.statistics.successes;
      const { dir, configPath } = writeConfig(PASSWORD, auth);
      const run = await runCli(["sync", "--config", configPath]);
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(readdirSync(join(dir, "vdir", "contacts")).filter((f) => f.endsWith(".vcf"))).toHaveLength(5);
      expect(gateway.verifier.statistics.successes).toBeGreaterThan(before);
      expect(run.stdout + run.stderr).not.toContain(PASSWORD);
    }
  });

  it("with a wrong password exits with code 3, printing no password", async () => {
    const { configPath } = writeConfig("wrong-Pässwörd-91x", { username: "alice", domain: "EXAMPLE" });
    const run = await runCli(["sync", "--config", configPath]);
    expect(run.code, run.stdout + run.stderr).toBe(3);
    expect(run.stdout + run.stderr).not.toContain("wrong-Pässwörd-91x");
    expect(run.stdout + run.stderr).not.toContain(PASSWORD);
  });
});
