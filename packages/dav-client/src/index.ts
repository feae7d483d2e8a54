/**
 * `@ewsdav/dav-client`: a WebDAV / CalDAV / CardDAV client over undici.
 * @packageDocumentation
 */
export { DAV_NAMESPACES } from "./namespaces.js";
