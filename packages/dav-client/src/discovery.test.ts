import { afterEach, expect, it } from "vitest";
import { discover } from "./discovery.js";
import { multistatus, serve, type LoopbackServer } from "./loopback.test-support.js";
import type { DavContext } from "./requests.js";
import { DavTransport } from "./transport.js";

let server: LoopbackServer | undefined;
let context: DavContext | undefined;
afterEach(async () => {
  await context?.transport.close();
  await server?.close();
  context = undefined;
  server = undefined;
});

// Nextcloud installed below /nextcloud/: the well-known URLs at the root are not configured
// (404), the root answers HTML, and everything lives under /nextcloud/remote.php/dav/.
function nextcloud(req: { method: string; url: string; body: string }, res: import("node:http").ServerResponse): void {
  if (req.method !== "PROPFIND" || !req.url.startsWith("/nextcloud/remote.php/dav")) {
    res.writeHead(req.url.startsWith("/.well-known") ? 404 : 200, { "content-type": "text/html" });
    res.end("<html>Nextcloud</html>");
  } else if (req.url === "/nextcloud/remote.php/dav/" || req.url === "/nextcloud/remote.php/dav") {
    multistatus(res, `<d:response><d:href>/nextcloud/remote.php/dav/</d:href><d:propstat><d:prop><d:current-user-principal><d:href>/nextcloud/remote.php/dav/principals/users/alice/</d:href></d:current-user-principal></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>`);
  } else if (req.url === "/nextcloud/remote.php/dav/principals/users/alice/") {
    multistatus(
      res,
      `<d:response><d:href>${req.url}</d:href><d:propstat><d:prop><cal:calendar-home-set xmlns:cal="urn:ietf:params:xml:ns:caldav"><d:href>/nextcloud/remote.php/dav/calendars/alice/</d:href></cal:calendar-home-set><card:addressbook-home-set xmlns:card="urn:ietf:params:xml:ns:carddav"><d:href>/nextcloud/remote.php/dav/addressbooks/users/alice/</d:href></card:addressbook-home-set></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>`,
    );
  } else {
    res.writeHead(404);
    res.end();
  }
}

it("finds principal and homes in Nextcloud's remote.php/dav layout from the instance URL", async () => {
  server = await serve(nextcloud);
  context = { transport: new DavTransport(), baseUrl: new URL(`${server.url}nextcloud/`) };
  const found = await discover(context);
  expect(found).toEqual({
    principalUrl: `${server.url}nextcloud/remote.php/dav/principals/users/alice/`,
    calendarHomeUrls: [`${server.url}nextcloud/remote.php/dav/calendars/alice/`],
    addressBookHomeUrls: [`${server.url}nextcloud/remote.php/dav/addressbooks/users/alice/`],
  });
});

it("stops at once on refused credentials and fails with a typed error when nothing answers", async () => {
  server = await serve((req, res) => {
    res.writeHead(req.url === "/locked/" ? 401 : 404);
    res.end();
  });
  context = { transport: new DavTransport(), baseUrl: new URL(`${server.url}locked/`) };
  await expect(discover(context)).rejects.toMatchObject({ code: "UNAUTHORIZED", status: 401 });
  expect(server.requests).toHaveLength(1);
  const other: DavContext = { transport: context.transport, baseUrl: new URL(`${server.url}nothing/`) };
  await expect(discover(other)).rejects.toMatchObject({ code: "DISCOVERY_FAILED" });
});

it("does not re-home a principal or home set on another origin onto the server: reports it and says which origin", async () => {
  server = await serve((req, res) => {
    if (req.url === "/dav/") {
      multistatus(res, `<d:response><d:href>/dav/</d:href><d:propstat><d:prop><d:current-user-principal><d:href>/dav/principals/alice/</d:href></d:current-user-principal></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>`);
    } else if (req.url === "/dav/principals/alice/") {
      multistatus(
        res,
        `<d:response><d:href>${req.url}</d:href><d:propstat><d:prop><cal:calendar-home-set xmlns:cal="urn:ietf:params:xml:ns:caldav"><d:href>https://p42-caldav.example.com/123/calendars/</d:href></cal:calendar-home-set></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>`,
      );
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  const anomalies: unknown[] = [];
  context = { transport: new DavTransport(), baseUrl: new URL(`${server.url}dav/`), onAnomaly: (a) => anomalies.push(a) };
  await expect(discover(context)).rejects.toMatchObject({ code: "DISCOVERY_FAILED", message: expect.stringContaining("https://p42-caldav.example.com") });
  expect(anomalies).toEqual([{ kind: "href-dropped", operation: "discovery", collection: "/dav/principals/alice/", href: "https://p42-caldav.example.com/123/calendars/", reason: "foreign-origin" }]);
  expect(server.requests.map((r) => r.url)).toEqual(["/dav/", "/dav/principals/alice/"]);
});
