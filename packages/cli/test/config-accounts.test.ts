/**
 * The config's kinds of accounts: what is accepted (every auth type, url or autodiscover, the
 * three secret sources, `$schema`), how paths are resolved, and what is refused — each error
 * naming the field, none printing a secret, whatever the mistake (wrong types, unknown keys,
 * two secret sources, a secret file others can read).
 */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ewsAccountFor, ewsAuthFor, secretOf, type EwsAccountConfig } from "../src/accounts.js";
import { ConfigError, loadConfig, type SyncConfig } from "../src/config.js";
import { runCli } from "./cli.test-support.js";

const SECRET = "S3cr3t-hunter2-Value-xyz";

function write(config: unknown, mode = 0o600): { dir: string; path: string } {
  const dir = mkdtempSync(join(tmpdir(), "ewsdav-config-accounts-"));
  const path = join(dir, "sync.json");
  writeFileSync(path, typeof config === "string" ? config : JSON.stringify(config, null, 2));
  chmodSync(path, mode);
  return { dir, path };
}

/** A config with one EWS account `work` (the given fields over a Basic one) and a vdir folder. */
function withEws(account: Record<string, unknown>, top: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    state: "state/sync.db",
    ...top,
    accounts: {
      work: { type: "ews", url: "https://mail.example.com/EWS/Exchange.asmx", mailbox: "alice@example.com", ...account },
      files: { type: "vdir", path: "vdir" },
    },
    pairs: [{ kind: "contacts", remote: { account: "work", folder: "Contacts" }, local: { account: "files", collection: "contacts", create: true } }],
  };
}

function failure(path: string): ConfigError {
  try {
    loadConfig(path, { warn: () => undefined });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("the config was accepted");
}

function ews(config: SyncConfig): EwsAccountConfig {
  return config.accounts["work"] as EwsAccountConfig;
}

describe("accepted accounts", () => {
  it("every EWS auth type, with paths made absolute beside the config and defaults filled in", () => {
    const cases: Array<[Record<string, unknown>, (account: EwsAccountConfig, dir: string) => void]> = [
      [{ auth: { type: "basic", username: "alice", passwordFile: "secrets/work" } }, (a, dir) => expect(a.auth).toMatchObject({ passwordFile: join(dir, "secrets/work") })],
      [{ auth: { type: "ntlm", username: "alice", domain: "EXAMPLE", passwordEnv: "EWS_PASSWORD" } }, (a) => expect(a.auth).toMatchObject({ type: "ntlm", domain: "EXAMPLE" })],
      [
        { auth: { type: "oauth", flow: "delegated", clientId: "c1" } },
        (a, dir) => expect(a.auth).toEqual({ type: "oauth", flow: "delegated", clientId: "c1", tenantId: "organizations", signIn: "device-code", tokenCache: join(dir, "tokens/work.json") }),
      ],
      [
        { auth: { type: "oauth", flow: "delegated", clientId: "c1", tenantId: "contoso.com", signIn: "localhost", tokenCache: "/var/lib/ewsdav/t.json" } },
        (a) => expect(a.auth).toMatchObject({ signIn: "localhost", tokenCache: "/var/lib/ewsdav/t.json" }),
      ],
      [{ auth: { type: "oauth", flow: "app-only", clientId: "c1", tenantId: "t", clientSecretEnv: "APP_SECRET" } }, (a) => expect(a.auth).toMatchObject({ flow: "app-only" })],
      [
        { auth: { type: "oauth", flow: "app-only", clientId: "c1", tenantId: "t", certificate: { privateKeyFile: "app.key", certificateFile: "app.pem" } } },
        (a, dir) => expect(a.auth).toMatchObject({ certificate: { privateKeyFile: join(dir, "app.key"), certificateFile: join(dir, "app.pem") } }),
      ],
      [{ auth: { type: "bearer", tokenEnv: "EWS_TOKEN" } }, (a) => expect(a.auth).toEqual({ type: "bearer", tokenEnv: "EWS_TOKEN" })],
      [
        { url: undefined, autodiscover: true, auth: { type: "basic", username: "alice", passwordEnv: "P" }, resolve: { "example.com:443": "10.0.0.5:443" }, caFile: "ca.pem" },
        (a, dir) => {
          expect(a.autodiscoverCache).toBe(join(dir, "state/sync.db.autodiscover.json"));
          expect(a.caFile).toBe(join(dir, "ca.pem"));
        },
      ],
    ];
    for (const [account, check] of cases) {
      const { dir, path } = write(withEws(account, { $schema: "./ewsdav.schema.json" }));
      check(ews(loadConfig(path)), dir);
    }
  });

  it("a DAV account's passwordFile, relative to the config", () => {
    const { dir, path } = write({
      state: "s.db",
      accounts: { cloud: { type: "dav", url: "https://cloud.example.com/dav/", username: "alice", passwordFile: "secrets/cloud" }, files: { type: "vdir", path: "v" } },
      pairs: [{ kind: "contacts", remote: { account: "cloud", folder: "C" }, local: { account: "files", collection: "c" } }],
    });
    expect(loadConfig(path).accounts["cloud"]).toMatchObject({ passwordFile: join(dir, "secrets/cloud") });
  });
});

describe("refused configs", () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ["two secret sources", { auth: { type: "basic", username: "a", password: SECRET, passwordEnv: "P" } }, "accounts.work.auth: give only one of password, passwordEnv or passwordFile (found password, passwordEnv)"],
    ["no secret", { auth: { type: "ntlm", username: "a" } }, "accounts.work.auth: give one of password, passwordEnv or passwordFile"],
    ["a password of the wrong type", { auth: { type: "basic", username: "a", password: 83571234 } }, "accounts.work.auth.password: Invalid input: expected string, received number"],
    ["a password as an object", { auth: { type: "basic", username: "a", password: { value: SECRET } } }, "accounts.work.auth.password: Invalid input: expected string, received object"],
    ["a misspelt secret key", { auth: { type: "basic", username: "a", passwrod: SECRET, passwordEnv: "P" } }, 'accounts.work.auth: Unrecognized key: "passwrod"'],
    ["a secret where the user name goes", { auth: { type: "basic", username: ["a", SECRET], passwordEnv: "P" } }, "accounts.work.auth.username: Invalid input: expected string, received array"],
    ["an unknown auth type", { auth: { type: "kerberos", password: SECRET } }, "accounts.work.auth.type: Invalid discriminator value"],
    ["an unknown OAuth flow", { auth: { type: "oauth", flow: "implicit", clientId: "c" } }, "accounts.work.auth.flow: Invalid discriminator value"],
    ["app-only without a secret", { auth: { type: "oauth", flow: "app-only", clientId: "c", tenantId: "t" } }, "accounts.work.auth: give one of clientSecretEnv, clientSecretFile or certificate"],
    [
      "app-only with a secret inline",
      { auth: { type: "oauth", flow: "app-only", clientId: "c", tenantId: "t", clientSecret: SECRET, clientSecretEnv: "S" } },
      'accounts.work.auth: Unrecognized key: "clientSecret"',
    ],
    ["app-only without a mailbox", { mailbox: undefined, auth: { type: "oauth", flow: "app-only", clientId: "c", tenantId: "t", clientSecretEnv: "S" } }, "accounts.work.mailbox: app-only access needs the mailbox it acts as"],
    [
      "a certificate without a thumbprint or certificate",
      { auth: { type: "oauth", flow: "app-only", clientId: "c", tenantId: "t", certificate: { privateKeyFile: "k.pem" } } },
      "accounts.work.auth.certificate: give thumbprint or certificateFile",
    ],
    ["url and autodiscover", { autodiscover: true, auth: { type: "bearer", tokenEnv: "T" } }, 'accounts.work.url: give either "url" or "autodiscover": true, not both'],
    ["neither url nor autodiscover", { url: undefined, auth: { type: "bearer", tokenEnv: "T" } }, 'accounts.work.url: give the EWS "url", or "autodiscover": true'],
    ["autodiscover without a mailbox", { url: undefined, mailbox: undefined, autodiscover: true, auth: { type: "bearer", tokenEnv: "T" } }, "accounts.work.mailbox: autodiscover needs the mailbox's address"],
    ["a bearer token inline", { auth: { type: "bearer", tokenEnv: "T", token: SECRET } }, 'accounts.work.auth: Unrecognized key: "token"'],
    ["a delegated authority on http", { auth: { type: "oauth", flow: "delegated", clientId: "c", authority: "http://login.example.com/t" } }, "accounts.work.auth.authority:"],
    ["a bad resolve entry", { resolve: { "example.com": "127.0.0.1:1" }, auth: { type: "bearer", tokenEnv: "T" } }, "accounts.work.resolve.example.com: invalid name: HOST:PORT"],
  ];
  for (const [what, account, message] of cases) {
    it(`${what}: ${message}`, () => {
      const error = failure(write(withEws(account)).path);
      expect(error.message).toContain(message);
      expect(error.message).not.toContain(SECRET);
      expect(error.message).not.toContain("83571234");
    });
  }

  it("whatever the mistake around it, a secret value never reaches the message (property)", () => {
    const secret = fc.string({ minLength: 8, maxLength: 40 }).filter((v) => v.trim().length >= 8 && !/^\s|\s$/.test(v));
    const wrong = fc.constantFrom<unknown>(42, true, null, [], {}, "", "x");
    const where = fc.constantFrom("basic", "ntlm", "dav", "bearer", "app-only");
    const mistake = fc.constantFrom("type", "unknown-key", "two-sources", "no-url", "bad-url");
    fc.assert(
      fc.property(secret, where, mistake, wrong, (value, place, kind, bad) => {
        const base: Record<string, unknown> =
          place === "dav"
            ? { type: "dav", url: "https://cloud.example.com/", username: "u", password: value }
            : {
                type: "ews",
                url: "https://mail.example.com/EWS/Exchange.asmx",
                mailbox: "alice@example.com",
                auth:
                  place === "bearer"
                    ? { type: "bearer", tokenEnv: "T", token: value }
                    : place === "app-only"
                      ? { type: "oauth", flow: "app-only", clientId: "c", tenantId: "t", clientSecret: value }
                      : { type: place, username: "u", password: value },
              };
        const auth = (base.auth ?? base) as Record<string, unknown>;
        if (kind === "type") auth.username = bad;
        if (kind === "unknown-key") auth.passwrod = value;
        if (kind === "two-sources") auth.passwordEnv = "P";
        if (kind === "no-url") delete base.url;
        if (kind === "bad-url") base.url = value;
        const raw = { state: "s.db", accounts: { acct: base, files: { type: "vdir", path: "v" } }, pairs: [{ kind: "contacts", remote: { account: "acct", folder: "C" }, local: { account: "files", collection: "c" } }] };
        let message = "";
        try {
          loadConfig(write(raw).path, { warn: (w) => (message += w) });
        } catch (error) {
          message += (error as Error).message;
        }
        expect(message).not.toContain(value);
      }),
      { numRuns: 150 },
    );
  });

  it("through the binary: exit code 2, the field named, no secret on either stream", async () => {
    const { path } = write(withEws({ auth: { type: "basic", username: "a", password: SECRET, passwordFile: "f" } }));
    const run = await runCli(["sync", "--config", path]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("accounts.work.auth: give only one of password, passwordEnv or passwordFile");
    expect(run.stdout + run.stderr).not.toContain(SECRET);
  });
});

describe("secret sources", () => {
  it("passwordFile: one trailing newline dropped; missing, empty or readable by others refused naming the field", () => {
    const dir = mkdtempSync(join(tmpdir(), "ewsdav-secret-"));
    const file = join(dir, "password");
    writeFileSync(file, `${SECRET}\n`);
    chmodSync(file, 0o600);
    expect(secretOf({ passwordFile: file }, "accounts.work.auth")).toBe(SECRET);
    writeFileSync(file, `${SECRET} \r\n`);
    expect(secretOf({ passwordFile: file }, "accounts.work.auth")).toBe(`${SECRET} `);
    for (const [mode, who] of [[0o640, "its group"], [0o604, "others"], [0o644, "its group and others"]] as const) {
      chmodSync(file, mode);
      const error = errorOf(() => secretOf({ passwordFile: file }, "accounts.work.auth"));
      expect(error.message).toBe(`accounts.work.auth.passwordFile: ${file} is readable by ${who}; make it private with: chmod 600 ${file}`);
    }
    chmodSync(file, 0o600);
    writeFileSync(file, "\n");
    expect(errorOf(() => secretOf({ passwordFile: file }, "accounts.cloud")).message).toBe(`accounts.cloud.passwordFile: ${file} is empty`);
    expect(errorOf(() => secretOf({ passwordFile: join(dir, "nope") }, "accounts.cloud")).message).toBe(`accounts.cloud.passwordFile: ${join(dir, "nope")} cannot be read (ENOENT)`);
    delete process.env.EWSDAV_TEST_UNSET;
    expect(errorOf(() => secretOf({ passwordEnv: "EWSDAV_TEST_UNSET" }, "accounts.cloud")).message).toBe("accounts.cloud.passwordEnv: the environment variable EWSDAV_TEST_UNSET is not set");
  });

  it("an app-only certificate: the thumbprint must match the certificate file; the key must be private", () => {
    const { dir, path } = write(
      withEws({ auth: { type: "oauth", flow: "app-only", clientId: "c", tenantId: "t", certificate: { privateKeyFile: "app.key", certificateFile: "app.pem", thumbprint: "AB".repeat(32) } } }),
    );
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", join(dir, "app.key"), "-out", join(dir, "app.pem"), "-days", "1", "-subj", "/CN=ewsdav app"], { stdio: "ignore" });
    chmodSync(join(dir, "app.key"), 0o644);
    const config = loadConfig(path);
    expect(errorOf(() => ewsAuthFor("work", ews(config))).message).toMatch(/^accounts\.work\.auth\.certificate\.privateKeyFile: .*app\.key is readable by its group and others/);
    chmodSync(join(dir, "app.key"), 0o600);
    expect(errorOf(() => ewsAuthFor("work", ews(config))).message).toMatch(/^accounts\.work\.auth\.certificate\.thumbprint: does not match the certificate in certificateFile \(SHA-256 [0-9A-F]{64}\)$/);
  });
});

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error("no error");
}

describe("a delegated account's token cache", () => {
  it("is refused when others can read it, and missing means not signed in (exit code 3's error), naming `ewsdav login`", async () => {
    const { dir, path } = write(withEws({ auth: { type: "oauth", flow: "delegated", clientId: "c1", tenantId: "t" } }));
    const account = ews(loadConfig(path));
    const missing = (await ewsAccountFor("work", account, { warn: () => undefined }).catch((e: unknown) => e)) as Error & { code?: string };
    expect(missing).toMatchObject({ name: "OAuthError", code: "OAUTH_NOT_SIGNED_IN" });
    expect(missing.message).toBe(`accounts.work: not signed in (no sign-in in ${join(dir, "tokens/work.json")}); run: ewsdav login work`);
    mkdirSync(join(dir, "tokens"), { mode: 0o700 });
    writeFileSync(join(dir, "tokens/work.json"), "{}", { mode: 0o644 });
    chmodSync(join(dir, "tokens/work.json"), 0o644);
    const exposed = (await ewsAccountFor("work", account, { warn: () => undefined }).catch((e: unknown) => e)) as Error;
    expect(exposed).toBeInstanceOf(ConfigError);
    expect(exposed.message).toContain(`accounts.work.auth.tokenCache: the token cache ${join(dir, "tokens/work.json")} is readable by others; make it private with: chmod 600`);
  });
});
