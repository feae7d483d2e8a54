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
