import { expect, it } from "vitest";
import { DAV_NAMESPACES } from "./namespaces.js";

it("names the CalDAV and CardDAV namespaces of RFC 4791 and RFC 6352", () => {
  expect(DAV_NAMESPACES.cal).toBe("urn:ietf:params:xml:ns:caldav");
  expect(DAV_NAMESPACES.card).toBe("urn:ietf:params:xml:ns:carddav");
});
