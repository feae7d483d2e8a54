import { connect } from "node:net";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DAV_SERVER_KINDS, type DavServer, startDavServer, startSabre } from "../harness/dav-servers.js";

const VCARD = (uid: string, fn: string) =>
  ["BEGIN:VCARD", "VERSION:3.0", `UID:${uid}`, `FN:${fn}`, "N:Doe;Jane;;;", "END:VCARD", ""].join("\r\n");

const PROPFIND_ETAGS = `<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>`;

describe.each(DAV_SERVER_KINDS)("harness: %s over undici", (kind) => {
  let server: DavServer;
  beforeAll(async () => {
    server = await startDavServer(kind);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("answers a PUT of a vCard and lists it with its ETag", async () => {
    const collection = await server.seedCollection({ name: "harness-book", kind: "addressbook", items: [] });
    const href = `${collection}jane.vcf`;
    const put = await request(href, {
      method: "PUT",
      headers: { ...server.headers, "content-type": "text/vcard; charset=utf-8", "if-none-match": "*" },
      body: VCARD("jane-1", "Jane Doe"),
    });
    await put.body.arrayBuffer();
    expect(put.statusCode).toBe(201);

    const listing = await request(collection, {
      method: "PROPFIND",
      headers: { ...server.headers, depth: "1", "content-type": "application/xml; charset=utf-8" },
      body: PROPFIND_ETAGS,
    });
    const xml = await listing.body.text();
    expect(listing.statusCode).toBe(207);
    expect(xml).toContain("jane.vcf");
    expect(xml).toMatch(/getetag/);
  });

  it("serves a collection seeded straight into its storage folder", async () => {
    const items = Array.from({ length: 50 }, (_, i) => ({ name: `c${i}.vcf`, text: VCARD(`seed-${i}`, `Seed ${i}`) }));
    const collection = await server.seedCollection({ name: "seeded-book", kind: "addressbook", displayName: "Seeded", items });
    const listing = await request(collection, {
      method: "PROPFIND",
      headers: { ...server.headers, depth: "1", "content-type": "application/xml; charset=utf-8" },
      body: PROPFIND_ETAGS,
    });
    const xml = await listing.body.text();
    expect(listing.statusCode).toBe(207);
    expect(xml.match(/c\d+\.vcf/g)?.length).toBe(50);

    const get = await request(`${collection}c7.vcf`, { headers: server.headers });
    expect(get.statusCode).toBe(200);
    expect(await get.body.text()).toContain("UID:seed-7");
  });
});

describe("harness: sabre/dav in Nextcloud's layout", () => {
  const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
  const PRINCIPAL_PROPFIND = `<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:"><d:prop><d:current-user-principal/></d:prop></d:propfind>`;

  it("takes the password and the app password as Basic, refuses others, redirects the well-known URLs, and stops every worker", async () => {
    const server = await startSabre();
    const port = Number(new URL(server.url).port);
    try {
      for (const password of [server.password, server.appPassword!]) {
        const answer = await request(`${server.url}remote.php/dav/`, {
          method: "PROPFIND",
          headers: { authorization: basic(server.username, password), depth: "0", "content-type": "application/xml; charset=utf-8" },
          body: PRINCIPAL_PROPFIND,
        });
        const xml = await answer.body.text();
        expect(answer.statusCode).toBe(207);
        expect(xml).toContain("/remote.php/dav/principals/users/alice/");
      }
      const refused = await request(`${server.url}remote.php/dav/`, { method: "PROPFIND", headers: { authorization: basic(server.username, "not-it"), depth: "0" } });
      await refused.body.arrayBuffer();
      expect(refused.statusCode).toBe(401);
      for (const path of [".well-known/caldav", ".well-known/carddav"]) {
        const moved = await request(`${server.url}${path}`, { method: "PROPFIND", headers: server.headers });
        await moved.body.arrayBuffer();
        expect(moved.statusCode).toBe(301);
        expect(moved.headers.location).toBe("/remote.php/dav/");
      }
    } finally {
      await server.stop();
    }
    // php -S forks workers; stopping the server stops them all, so nothing listens any more. A
    // SIGKILLed process lets go of its socket as the kernel tears it down, so ask for a little while.
    const listensNow = () =>
      new Promise<boolean>((resolve) => {
        const socket = connect(port, "127.0.0.1");
        socket.once("connect", () => {
          socket.destroy();
          resolve(true);
        });
        socket.once("error", () => resolve(false));
      });
    let listening = await listensNow();
    for (let i = 0; listening && i < 50; i++) {
      await new Promise((r) => setTimeout(r, 100));
      listening = await listensNow();
    }
    expect(listening).toBe(false);
  });
});
