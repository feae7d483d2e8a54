/**
 * Autodiscover against simulated autodiscover servers on loopback HTTPS: host names such as
 * example.com are mapped to loopback ports through the injectable endpoint resolver, and the
 * certificates come from a test CA made with openssl, so certificate checks stay on.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { AutodiscoverClient, AutodiscoverError, autodiscoverAuthFrom, basicAutodiscoverAuth, type AutodiscoverOptions } from "../src/autodiscover/index.js";
import { bearerAuth } from "../src/auth/bearer.js";
import { startAutodiscoverSimulator, type AutodiscoverSimulator, type AutodiscoverSimulatorOptions } from "@ewsdav/ews-simulator";
import { createTestCertificateAuthority, type TestCertificateAuthority } from "@ewsdav/ews-simulator";
import { ntlmAutodiscoverAuth } from "../src/auth/ntlm.js";
import { createNtlmVerifier } from "@ewsdav/ews-simulator";

const USER = "alice@example.com";
const PASSWORD = "correct horse";
const EWS = "https://mail.example.com/EWS/Exchange.asmx";

let ca: TestCertificateAuthority;
const running: Array<AutodiscoverSimulator | AutodiscoverClient> = [];

beforeAll(() => {
  ca = createTestCertificateAuthority();
});
afterAll(() => ca.dispose());
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()));
});

/** A loopback "internet": host:port → simulator. */
class World {
  readonly hosts = new Map<string, AutodiscoverSimulator>();
  srv: Record<string, Array<{ name: string; port: number; priority: number; weight: number }>> = {};

  async https(hostnames: string[], options: AutodiscoverSimulatorOptions = {}, tls = ca.issue(hostnames)): Promise<AutodiscoverSimulator> {
    const sim = await startAutodiscoverSimulator({ basic: { username: USER, password: PASSWORD }, ...options, tls });
    running.push(sim);
    for (const host of hostnames) this.hosts.set(`${host}:443`, sim);
    return sim;
  }

  async http(hostname: string, options: AutodiscoverSimulatorOptions = {}): Promise<AutodiscoverSimulator> {
    const sim = await startAutodiscoverSimulator(options);
    running.push(sim);
    this.hosts.set(`${hostname}:80`, sim);
    return sim;
  }

  client(extra: Partial<AutodiscoverOptions> = {}): AutodiscoverClient {
    const client = new AutodiscoverClient({
      ca: ca.caCert,
      auth: basicAutodiscoverAuth(USER, PASSWORD),
      resolveEndpoint: (host, port) => {
        const sim = this.hosts.get(`${host}:${port}`);
        if (!sim) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
        return { host: "127.0.0.1", port: sim.port };
      },
      resolveSrv: async (name) => {
        const records = this.srv[name];
        if (!records) throw Object.assign(new Error(`querySrv ENOTFOUND ${name}`), { code: "ENOTFOUND" });
        return records;
      },
      ...extra,
    });
    running.push(client);
    return client;
  }
}

const settings = { externalEwsUrl: EWS, internalEwsUrl: "https://exch01.corp.example.com/EWS/Exchange.asmx" };

async function failure(promise: Promise<unknown>): Promise<AutodiscoverError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AutodiscoverError);
    return error as AutodiscoverError;
  }
  throw new Error("expected autodiscover to fail");
}

describe("autodiscover success paths", () => {
  it("uses SOAP at https://{domain}/autodiscover/autodiscover.svc first, with credentials", async () => {
    const world = new World();
    const root = await world.https(["example.com"], { users: { [USER]: settings } });
    const result = await world.client().discover(USER);
    expect(result.protocol).toBe("soap");
    expect(result.ewsUrl).toBe(EWS);
    expect(result.internalEwsUrl).toBe(settings.internalEwsUrl);
    expect(result.serverVersion).toMatchObject({ majorVersion: 15, minorVersion: 1, majorBuildNumber: 2507, minorBuildNumber: 6 });
    expect(result.supportedSchemas).toContain("Exchange2013_SP1");
    expect(result.autodiscoverUrl).toBe("https://example.com/autodiscover/autodiscover.svc");
    expect(root.requests).toEqual([expect.objectContaining({ path: "/autodiscover/autodiscover.svc", hadCredentials: true, email: USER, status: 200 })]);
  });

  it("prefers the internal URL on request", async () => {
    const world = new World();
    await world.https(["example.com"], { users: { [USER]: settings } });
    const result = await world.client({ preferInternal: true }).discover(USER);
    expect(result.ewsUrl).toBe(settings.internalEwsUrl);
  });

  it("falls back to https://autodiscover.{domain} when the domain itself does not answer", async () => {
    const world = new World();
    const auto = await world.https(["autodiscover.example.com"], { users: { [USER]: settings } });
    const result = await world.client().discover(USER);
    expect(result.autodiscoverUrl).toBe("https://autodiscover.example.com/autodiscover/autodiscover.svc");
    expect(result.attempts[0]).toMatchObject({ url: "https://example.com/autodiscover/autodiscover.svc", outcome: "unreachable" });
    expect(auto.requests).toHaveLength(1);
  });

  it("falls back to POX when SOAP is not served, and honours the POX TTL in the cache", async () => {
    const world = new World();
    let now = 1_000_000;
    const root = await world.https(["example.com"], { soap: false, users: { [USER]: { ...settings, ttlHours: 2, poxServerVersion: "738180DA" } } });
    const client = world.client({ now: () => now });
    const result = await client.discover(USER);
    expect(result.protocol).toBe("pox");
    expect(result.ewsUrl).toBe(EWS);
    expect(result.serverVersion).toMatchObject({ majorVersion: 14, minorVersion: 1, majorBuildNumber: 218 });
    expect(result.expiresAt).toBe(now + 2 * 3_600_000);
    const before = root.requests.length;
    now += 3_600_000;
    expect((await client.discover("bob@example.com")).ewsUrl).toBe(EWS); // cached per domain
    expect(root.requests.length).toBe(before);
    now += 3_600_001;
    await failure(client.discover("bob@example.com")); // expired: asks again, and bob is unknown
    expect(root.requests.length).toBeGreaterThan(before);
  });

  it("follows the unauthenticated HTTP redirect check to an HTTPS endpoint in the domain", async () => {
    const world = new World();
    const plain = await world.http("autodiscover.example.com", {
      httpRedirects: { "/autodiscover/autodiscover.xml": "https://autodiscover-s.example.com/autodiscover/autodiscover.xml" },
    });
    const target = await world.https(["autodiscover-s.example.com"], { users: { [USER]: settings } });
    const result = await world.client().discover(USER);
    expect(result.protocol).toBe("pox");
    expect(result.autodiscoverUrl).toBe("https://autodiscover-s.example.com/autodiscover/autodiscover.xml");
    expect(plain.requests).toEqual([expect.objectContaining({ method: "GET", hadCredentials: false })]);
    expect(target.requests.every((r) => r.hadCredentials)).toBe(true);
  });

  it("uses the _autodiscover._tcp SRV record last", async () => {
    const world = new World();
    world.srv["_autodiscover._tcp.example.com"] = [
      { name: "backup.example.com", port: 443, priority: 10, weight: 0 },
      { name: "exch.example.com", port: 443, priority: 0, weight: 5 },
    ];
    const exch = await world.https(["exch.example.com"], { users: { [USER]: settings } });
    const result = await world.client().discover(USER);
    expect(result.autodiscoverUrl).toBe("https://exch.example.com/autodiscover/autodiscover.svc");
    expect(exch.requests).toHaveLength(1);
  });

  it("restarts once on an e-mail redirect inside the domain", async () => {
    const world = new World();
    await world.https(["example.com"], { users: { [USER]: { redirectAddress: "alice.smith@eu.example.com" } } });
    await world.https(["eu.example.com"], { basic: undefined, users: { "alice.smith@eu.example.com": settings } });
    const result = await world.client().discover(USER);
    expect(result.email).toBe("alice.smith@eu.example.com");
    expect(result.ewsUrl).toBe(EWS);
  });

  it("follows a RedirectUrl to a foreign host only when the host application approves it", async () => {
    const world = new World();
    await world.https(["example.com"], { users: { [USER]: { redirectUrl: "https://autodiscover.hoster.net/autodiscover/autodiscover.svc" } } });
    const hoster = await world.https(["autodiscover.hoster.net"], { users: { [USER]: settings } });
    const asked: string[] = [];
    const result = await world
      .client({ approveForeignHost: ({ url, reason }) => (asked.push(`${reason} ${url.href}`), url.hostname === "autodiscover.hoster.net") })
      .discover(USER);
    expect(asked).toEqual(["redirect-url https://autodiscover.hoster.net/autodiscover/autodiscover.svc"]);
    expect(result.autodiscoverUrl).toBe("https://autodiscover.hoster.net/autodiscover/autodiscover.svc");
    expect(hoster.requests).toHaveLength(1);
  });

  it("authenticates with NTLM (the handshake's legs share the connection)", async () => {
    const world = new World();
    const verifier = createNtlmVerifier({ accounts: [{ user: "alice", domain: "EXAMPLE", password: "Grüße 🔑" }] });
    await world.https(["example.com"], { users: { [USER]: settings }, authorize: async (req, res) => (await verifier.authorize(req, res)) !== undefined });
    const result = await world.client({ auth: ntlmAutodiscoverAuth({ username: "EXAMPLE\\alice", password: "Grüße 🔑" }) }).discover(USER);
    expect(result.ewsUrl).toBe(EWS);
    expect(verifier.statistics).toMatchObject({ challenges: 1, successes: 1, failures: 0 });
    const refused = await failure(
      world.client({ auth: ntlmAutodiscoverAuth({ username: "EXAMPLE\\alice", password: "wrong" }), disableHttpRedirectCheck: true, disableSrv: true }).discover(USER),
    );
    expect(refused.attempts[0]).toMatchObject({ outcome: "http-error", detail: "HTTP 401" });
  });

  it("uses a client auth provider (bearer), renewing the token once after a 401", async () => {
    const world = new World();
    const valid = "token-2";
    await world.https(["example.com"], {
      users: { [USER]: settings },
      authorize: async (req, res) => {
        if (req.headers.authorization === `Bearer ${valid}`) return true;
        req.resume();
        res.writeHead(401, { "www-authenticate": "Bearer", "content-length": "0" }).end();
        return false;
      },
    });
    const asked: boolean[] = [];
    let next = 1;
    const auth = autodiscoverAuthFrom(bearerAuth(async ({ forceRefresh }) => (asked.push(forceRefresh), `token-${next++}`)));
    const result = await world.client({ auth }).discover(USER);
    expect(result.ewsUrl).toBe(EWS);
    expect(asked).toEqual([false, true]);
  });

  it("can be aborted", async () => {
    const world = new World();
    await world.https(["example.com"], { users: { [USER]: settings } });
    const error = await failure(world.client().discover(USER, { signal: AbortSignal.abort() }));
    expect(error.code).toBe("AUTODISCOVER_ABORTED");
  });
});

describe("autodiscover refusals", () => {
  it("does not send credentials to a foreign host named by a redirect (the fail-up leak)", async () => {
    const world = new World();
    await world.https(["example.com"], { users: { [USER]: { redirectUrl: "https://autodiscover.attacker.net/autodiscover/autodiscover.svc" } } });
    const attacker = await world.https(["autodiscover.attacker.net"], { basic: undefined, users: { [USER]: settings } });
    const error = await failure(world.client().discover(USER));
    expect(error.code).toBe("AUTODISCOVER_FAILED");
    expect(attacker.requests).toHaveLength(0);
    expect(error.attempts).toContainEqual(expect.objectContaining({ outcome: "foreign-host-refused", url: "https://autodiscover.attacker.net/autodiscover/autodiscover.svc" }));
  });

  it("does not follow an HTTP redirect check or an SRV record to a foreign host", async () => {
    const world = new World();
    await world.http("autodiscover.example.com", { httpRedirects: { "/autodiscover/autodiscover.xml": "https://autodiscover.attacker.net/autodiscover/autodiscover.xml" } });
    world.srv["_autodiscover._tcp.example.com"] = [{ name: "mail.attacker.net", port: 443, priority: 0, weight: 0 }];
    const attacker = await world.https(["autodiscover.attacker.net", "mail.attacker.net"], { basic: undefined, users: { [USER]: settings } });
    const error = await failure(world.client().discover(USER));
    expect(attacker.requests).toHaveLength(0);
    expect(error.attempts.filter((a) => a.outcome === "foreign-host-refused").map((a) => a.kind)).toEqual(["pox", "soap", "pox"]);
  });

  it("refuses an e-mail redirect to a foreign domain without approval", async () => {
    const world = new World();
    await world.https(["example.com"], { users: { [USER]: { redirectAddress: "alice@attacker.net" } } });
    const attacker = await world.https(["attacker.net"], { basic: undefined, users: { "alice@attacker.net": settings } });
    const error = await failure(world.client().discover(USER));
    expect(attacker.requests).toHaveLength(0);
    expect(error.attempts.at(-1)).toMatchObject({ outcome: "foreign-host-refused" });
  });

  it("never sends credentials over plain HTTP", async () => {
    const world = new World();
    await world.https(["example.com"], { users: { [USER]: { redirectUrl: "http://autodiscover.example.com/autodiscover/autodiscover.svc" } } });
    const plain = await world.http("autodiscover.example.com", {
      users: { [USER]: settings },
      httpRedirects: { "/autodiscover/autodiscover.xml": "http://autodiscover.example.com/autodiscover/autodiscover.svc" },
    });
    const error = await failure(world.client().discover(USER));
    expect(plain.requests.filter((r) => r.hadCredentials)).toHaveLength(0);
    expect(plain.requests.map((r) => r.method)).toEqual(["GET"]); // only the unauthenticated redirect check
    expect(error.attempts.filter((a) => a.outcome === "insecure-refused")).toHaveLength(3); // SOAP and POX RedirectUrl, and the HTTP redirect check
  });

  it("refuses an EWS URL that is not HTTPS", async () => {
    const world = new World();
    await world.https(["example.com"], { users: { [USER]: { externalEwsUrl: "http://mail.example.com/EWS/Exchange.asmx" } } });
    const error = await failure(world.client().discover(USER));
    expect(error.attempts[0]).toMatchObject({ outcome: "no-settings" });
  });

  it("refuses a certificate the CA did not sign, and one for another host", async () => {
    const world = new World();
    const selfSigned = await world.https(["example.com"], { users: { [USER]: settings } }, ca.selfSigned(["example.com"]));
    const wrongHost = await world.https(["autodiscover.example.com"], { users: { [USER]: settings } }, ca.issue(["other.example.org"]));
    const error = await failure(world.client({ disableHttpRedirectCheck: true, disableSrv: true }).discover(USER));
    expect(selfSigned.requests).toHaveLength(0);
    expect(wrongHost.requests).toHaveLength(0);
    expect(error.attempts.map((a) => a.outcome)).toEqual(["certificate-refused", "certificate-refused", "certificate-refused", "certificate-refused"]);
  });

  it("trusts nothing but the system roots without the custom CA option", async () => {
    const world = new World();
    const root = await world.https(["example.com"], { users: { [USER]: settings } });
    const client = world.client({ ca: undefined, disableHttpRedirectCheck: true, disableSrv: true });
    const error = await failure(client.discover(USER));
    expect(root.requests).toHaveLength(0);
    expect(error.attempts[0]).toMatchObject({ outcome: "certificate-refused" });
  });

  it("never requests a URL twice (redirect loop)", async () => {
    const world = new World();
    const root = await world.https(["example.com"], { users: { [USER]: { redirectUrl: "https://autodiscover.example.com/autodiscover/autodiscover.svc" } } });
    const auto = await world.https(["autodiscover.example.com"], { users: { [USER]: { redirectUrl: "https://example.com/autodiscover/autodiscover.svc" } } });
    const error = await failure(world.client({ disableHttpRedirectCheck: true, disableSrv: true, }).discover(USER));
    expect(error.attempts).toContainEqual(expect.objectContaining({ outcome: "repeat-refused", url: "https://example.com/autodiscover/autodiscover.svc" }));
    expect(root.requests.filter((r) => r.path.endsWith(".svc"))).toHaveLength(1);
    expect(auto.requests.filter((r) => r.path.endsWith(".svc"))).toHaveLength(1);
  });

  it("stops after 10 redirects", async () => {
    const world = new World();
    const httpRedirects: Record<string, string> = { "/autodiscover/autodiscover.svc": "https://example.com/hop/1.svc" };
    for (let i = 1; i <= 15; i++) httpRedirects[`/hop/${i}.svc`] = `https://example.com/hop/${i + 1}.svc`;
    const root = await world.https(["example.com"], { httpRedirects });
    const error = await failure(world.client().discover(USER));
    expect(error.code).toBe("AUTODISCOVER_TOO_MANY_REDIRECTS");
    expect(root.requests).toHaveLength(11); // the first request and 10 redirects followed
  });

  it("restarts on an e-mail redirect only once", async () => {
    const world = new World();
    await world.https(["example.com"], { users: { [USER]: { redirectAddress: "a2@example.com" }, "a2@example.com": { redirectAddress: "a3@example.com" } } });
    const error = await failure(world.client().discover(USER));
    expect(error.code).toBe("AUTODISCOVER_REDIRECT_LOOP");
  });

  it("never steps up to a parent domain or a top-level domain, even with approval", async () => {
    const world = new World();
    const user = "carol@mail.example.com";
    await world.https(["mail.example.com"], { users: { [user]: { redirectUrl: "https://example.com/autodiscover/autodiscover.svc" } } });
    const parent = await world.https(["example.com", "com"], { basic: undefined, users: { [user]: settings } });
    let asked = 0;
    const client = world.client({ approveForeignHost: () => (asked++, true) });
    const error = await failure(client.discover(user));
    expect(parent.requests).toHaveLength(0);
    expect(asked).toBe(0);
    expect(error.attempts).toContainEqual(expect.objectContaining({ outcome: "parent-domain-refused", url: "https://example.com/autodiscover/autodiscover.svc" }));
    // The candidates themselves never strip labels from the domain.
    expect(error.attempts.every((a) => !/\/\/(example\.com|autodiscover\.example\.com|com)[:/]/.test(a.url) || a.outcome === "parent-domain-refused")).toBe(true);
  });

  it("refuses an e-mail redirect to a top-level domain", async () => {
    const world = new World();
    await world.https(["example.com"], { users: { [USER]: { redirectAddress: "alice@com" } } });
    const error = await failure(world.client({ approveForeignHost: () => true }).discover(USER));
    expect(error.code).toBe("AUTODISCOVER_INVALID_ADDRESS");
  });

  it("reports wrong credentials as HTTP 401 on every candidate", async () => {
    const world = new World();
    await world.https(["example.com", "autodiscover.example.com"], { users: { [USER]: settings } });
    const client = world.client({ auth: basicAutodiscoverAuth(USER, "wrong"), disableHttpRedirectCheck: true, disableSrv: true });
    const error = await failure(client.discover(USER));
    expect(error.attempts.map((a) => a.detail)).toEqual(["HTTP 401", "HTTP 401", "HTTP 401", "HTTP 401"]);
    expect(JSON.stringify(error.attempts) + error.message).not.toContain("wrong");
  });
});

describe("the EWS URL an answer names, and the size of answers", () => {
  it("refuses an EWS URL outside the user's domain unless the host approves it (reason ews-url)", async () => {
    const world = new World();
    const foreign = "https://ews.attacker.example.net/EWS/Exchange.asmx";
    await world.https(["example.com", "autodiscover.example.com"], { users: { [USER]: { externalEwsUrl: foreign } } });
    const asked: string[] = [];
    const error = await failure(
      world.client({ approveForeignHost: ({ url, reason }) => (asked.push(`${reason} ${url.href}`), false), disableHttpRedirectCheck: true, disableSrv: true }).discover(USER),
    );
    expect(error.code).toBe("AUTODISCOVER_FAILED");
    expect(asked).toContain(`ews-url ${foreign}`);
    expect(error.attempts).toContainEqual(expect.objectContaining({ url: foreign, outcome: "foreign-host-refused" }));
    expect(error.attempts.some((a) => a.outcome === "success")).toBe(false);

    const approved = await world.client({ approveForeignHost: ({ url }) => url.hostname === "ews.attacker.example.net", disableHttpRedirectCheck: true, disableSrv: true }).discover(USER);
    expect(approved.ewsUrl).toBe(foreign);
  });

  it("takes the other URL of the answer when the preferred one is refused, and never a parent domain", async () => {
    const world = new World();
    const user = "carol@mail.example.com";
    await world.https(["mail.example.com"], {
      basic: { username: user, password: PASSWORD },
      users: { [user]: { externalEwsUrl: "https://ews.elsewhere.example.org/EWS/Exchange.asmx", internalEwsUrl: "https://cas.mail.example.com/EWS/Exchange.asmx" } },
    });
    const result = await world.client({ auth: basicAutodiscoverAuth(user, PASSWORD) }).discover(user);
    expect(result.ewsUrl).toBe("https://cas.mail.example.com/EWS/Exchange.asmx");
    expect(result.externalEwsUrl).toBe("https://ews.elsewhere.example.org/EWS/Exchange.asmx");

    await world.https(["autodiscover.mail.example.com"], { basic: { username: user, password: PASSWORD }, users: { [user]: { externalEwsUrl: "https://example.com/EWS/Exchange.asmx" } } });
    world.hosts.delete("mail.example.com:443");
    let asked = 0;
    const error = await failure(world.client({ auth: basicAutodiscoverAuth(user, PASSWORD), approveForeignHost: () => (asked++, true), disableHttpRedirectCheck: true, disableSrv: true }).discover(user));
    expect(asked).toBe(0);
    expect(error.attempts).toContainEqual(expect.objectContaining({ url: "https://example.com/EWS/Exchange.asmx", outcome: "parent-domain-refused" }));
  });

  it("asks once about a foreign host that is both the redirect target and the EWS host", async () => {
    const world = new World();
    await world.https(["example.com"], { users: { [USER]: { redirectUrl: "https://autodiscover.hoster.net/autodiscover/autodiscover.svc" } } });
    await world.https(["autodiscover.hoster.net"], { users: { [USER]: { externalEwsUrl: "https://autodiscover.hoster.net/EWS/Exchange.asmx" } } });
    const asked: string[] = [];
    const result = await world.client({ approveForeignHost: ({ url, reason }) => (asked.push(`${reason} ${url.hostname}`), true) }).discover(USER);
    expect(result.ewsUrl).toBe("https://autodiscover.hoster.net/EWS/Exchange.asmx");
    expect(asked).toEqual(["redirect-url autodiscover.hoster.net"]);
  });

  it("refuses an answer over the size cap for that candidate, as an invalid response", async () => {
    const world = new World();
    await world.https(["example.com"], { users: { [USER]: settings }, padding: 2 * 1024 * 1024 });
    const error = await failure(world.client({ disableHttpRedirectCheck: true, disableSrv: true }).discover(USER));
    expect(error.attempts[0]).toMatchObject({ url: "https://example.com/autodiscover/autodiscover.svc", outcome: "invalid-response", detail: "an answer larger than 1048576 bytes" });
    const small = await failure(world.client({ disableHttpRedirectCheck: true, disableSrv: true, maxResponseBytes: 512 }).discover(USER));
    expect(small.attempts[0]!.detail).toBe("an answer larger than 512 bytes");
  });
});

describe("autodiscover requests over @ewsdav/http", () => {
  /** A simulator whose answers wait until the test lets them go (then 503). */
  async function hanging(world: World, hostnames: string[]): Promise<{ arrived: Promise<void>; release: () => void }> {
    const held: Array<() => void> = [];
    let arrive!: () => void;
    const arrived = new Promise<void>((resolve) => (arrive = resolve));
    await world.https(hostnames, {
      authorize: (_request, response) =>
        new Promise<boolean>((resolve) => {
          held.push(() => {
            if (!response.writableEnded && !response.destroyed) response.writeHead(503).end();
            resolve(false);
          });
          arrive();
        }),
    });
    return { arrived, release: () => held.splice(0).forEach((let_go) => let_go()) };
  }

  it("gives each request one deadline, after which the next candidate is tried", async () => {
    const world = new World();
    const stuck = await hanging(world, ["example.com"]);
    await world.https(["autodiscover.example.com"], { users: { [USER]: settings } });
    try {
      const result = await world.client({ requestTimeoutMs: 300 }).discover(USER);
      expect(result.autodiscoverUrl).toBe("https://autodiscover.example.com/autodiscover/autodiscover.svc");
      expect(result.attempts[0]).toEqual({ url: "https://example.com/autodiscover/autodiscover.svc", kind: "soap", outcome: "unreachable", detail: "no answer within 300 ms" });
    } finally {
      stuck.release();
    }
  });

  it("tells the caller's abort from the deadline while a request waits", async () => {
    const world = new World();
    const stuck = await hanging(world, ["example.com"]);
    const controller = new AbortController();
    void stuck.arrived.then(() => controller.abort());
    try {
      const error = await failure(world.client({ requestTimeoutMs: 60_000 }).discover(USER, { signal: controller.signal }));
      expect(error.code).toBe("AUTODISCOVER_ABORTED");
    } finally {
      stuck.release();
    }
  });

  it("keeps user info a redirect URL carries out of the attempts", async () => {
    const world = new World();
    await world.https(["example.com"], { users: { [USER]: { redirectUrl: "https://mallory:hunter2@autodiscover.example.com/autodiscover/autodiscover.svc" } } });
    await world.https(["autodiscover.example.com"], { users: { [USER]: settings } });
    const result = await world.client().discover(USER);
    expect(result.ewsUrl).toBe(EWS);
    expect(result.attempts.map((a) => a.url)).toContain("https://autodiscover.example.com/autodiscover/autodiscover.svc");
    expect(JSON.stringify(result.attempts)).not.toMatch(/hunter2|mallory/);
  });
});
