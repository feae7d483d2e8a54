/** The XML namespaces the DAV client reads and writes, by their conventional prefix. */
export const DAV_NAMESPACES = {
  d: "DAV:",
  cal: "urn:ietf:params:xml:ns:caldav",
  card: "urn:ietf:params:xml:ns:carddav",
  cs: "http://calendarserver.org/ns/",
  ical: "http://apple.com/ns/ical/",
  oc: "http://owncloud.org/ns",
  nc: "http://nextcloud.org/ns",
} as const;

/** A conventional prefix of {@link DAV_NAMESPACES}. */
export type DavNamespacePrefix = keyof typeof DAV_NAMESPACES;

/** A property name as `[prefix, localName]`, e.g. `["d", "getetag"]`. */
export type DavPropertyName = readonly [DavNamespacePrefix, string];

/** The `xmlns:…` declarations of every namespace in {@link DAV_NAMESPACES}, for request bodies. */
export const XMLNS_DECLARATIONS = Object.entries(DAV_NAMESPACES)
  .map(([prefix, uri]) => `xmlns:${prefix}="${uri}"`)
  .join(" ");
