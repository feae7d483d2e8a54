/**
 * The fake identity provider's resources: tokens for Exchange Online (EWS) or Microsoft Graph, one
 * resource per token, each refused by the other service's audience check.
 */
import { Agent, request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestCertificateAuthority, type TestCertificateAuthority } from "./autodiscover-tls.js";
import { startFakeIdentityProvider, type FakeIdentityProvider } from "./bearer-idp.js";

const HOST = "login.example.test";
const TENANT = "contoso-tenant";
const CLIENT_ID = "3f1c2a9e-0000-4000-8000-00000000c1d0";
const CLIENT_SECRET = "app-secret-Qx7~value";
const GRAPH_DELEGATED = "Contacts.ReadWrite Calendars.ReadWrite Tasks.ReadWrite offline_access openid profile";

let ca: TestCertificateAuthority;
let idp: FakeIdentityProvider;
let agent: Agent;

beforeAll(async () => {
  ca = createTestCertificateAuthority();
  idp = await startFakeIdentityProvider({ tls: ca.issue([HOST]), publicHost: HOST, tenantId: TENANT, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, users: [{ username: "alice@example.com" }] });
  agent = new Agent({ connect: { ca: ca.caCert, servername: HOST } });
});
afterAll(async () => {
  await agent.close();
  await idp.close();
  ca.dispose();
});

/** Posts a form to one of the provider's endpoints; the answer's status and JSON. */
async function post(endpoint: "token" | "devicecode", form: Record<string, string>): Promise<{ status: number; body: Record<string, string> }> {
  const answer = await request(`https://127.0.0.1:${idp.port}/${TENANT}/oauth2/v2.0/${endpoint}`, {
    method: "POST",
    dispatcher: agent,
    headers: { "content-type": "application/x-www-form-urlencoded", host: HOST },
    body: new URLSearchParams({ client_id: CLIENT_ID, ...form }).toString(),
  });
  return { status: answer.statusCode, body: (await answer.body.json()) as Record<string, string> };
}

const appToken = (scope: string) => post("token", { grant_type: "client_credentials", client_secret: CLIENT_SECRET, scope });

describe("fake identity provider: resources and audiences", () => {
  it("issues app-only Graph tokens that Graph accepts and EWS refuses", async () => {
    for (const scope of ["https://graph.microsoft.com/.default", "00000003-0000-0000-c000-000000000000/.default"]) {
      const { status, body } = await appToken(scope);
      expect(status).toBe(200);
      expect(idp.resolve(body.access_token!, "https://graph.microsoft.com")).toEqual({ kind: "app" });
      expect(idp.resolve(body.access_token!, "00000003-0000-0000-c000-000000000000")).toEqual({ kind: "app" });
      expect(idp.resolve(body.access_token!)).toBeUndefined();
      expect(idp.resolve(body.access_token!, "https://outlook.office365.com")).toBeUndefined();
    }
    expect(idp.issued.at(-1)?.resource).toBe("https://graph.microsoft.com");
  });

  it("issues app-only Outlook tokens that EWS accepts and Graph refuses", async () => {
    const { status, body } = await appToken("https://outlook.office365.com/.default");
    expect(status).toBe(200);
    expect(idp.resolve(body.access_token!)).toEqual({ kind: "app" });
    expect(idp.resolve(body.access_token!, "00000002-0000-0ff1-ce00-000000000000")).toEqual({ kind: "app" });
    expect(idp.resolve(body.access_token!, "https://graph.microsoft.com")).toBeUndefined();
  });

  it("refuses two resources in one request, a client-credentials scope without /.default, and an unknown resource", async () => {
    const two = await appToken("https://graph.microsoft.com/.default https://outlook.office365.com/.default");
    expect(two.status).toBe(400);
    expect(two.body.error).toBe("invalid_scope");
    expect(two.body.error_description).toMatch(/^AADSTS28000/);
    const named = await appToken("https://graph.microsoft.com/Contacts.ReadWrite");
    expect(named.body.error_description).toMatch(/^AADSTS1002012/);
    const unknown = await appToken("https://vault.azure.net/.default");
    expect(unknown.body.error_description).toMatch(/^AADSTS500011/);
  });

  it("signs a user in for Graph's delegated scopes; the refresh token then gets an Outlook token too", async () => {
    const device = await post("devicecode", { scope: GRAPH_DELEGATED });
    idp.approveDevice(device.body.user_code!, "alice@example.com");
    const signedIn = await post("token", { grant_type: "urn:ietf:params:oauth:grant-type:device_code", device_code: device.body.device_code!, scope: GRAPH_DELEGATED });
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.scope).toBe("Contacts.ReadWrite Calendars.ReadWrite Tasks.ReadWrite");
    expect(idp.resolve(signedIn.body.access_token!, "https://graph.microsoft.com")).toEqual({ kind: "delegated", smtpAddress: "alice@example.com" });
    expect(idp.resolve(signedIn.body.access_token!)).toBeUndefined();
    const outlook = await post("token", { grant_type: "refresh_token", refresh_token: signedIn.body.refresh_token!, scope: "https://outlook.office365.com/EWS.AccessAsUser.All offline_access" });
    expect(outlook.body.scope).toBe("https://outlook.office365.com/EWS.AccessAsUser.All");
    expect(idp.resolve(outlook.body.access_token!)).toEqual({ kind: "delegated", smtpAddress: "alice@example.com" });
    expect(idp.resolve(outlook.body.access_token!, "https://graph.microsoft.com")).toBeUndefined();
    const mixed = await post("token", { grant_type: "refresh_token", refresh_token: signedIn.body.refresh_token!, scope: `${GRAPH_DELEGATED} https://outlook.office365.com/EWS.AccessAsUser.All` });
    expect(mixed.body.error_description).toMatch(/^AADSTS28000/);
  });
});
