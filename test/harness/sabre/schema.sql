-- SQLite tables for sabre/dav 1.8's PDO backends (principals, CalDAV, CardDAV, locks), with the
-- columns those backends read and write. Applied by setup.php to a fresh database per server.
CREATE TABLE principals (
  id INTEGER PRIMARY KEY ASC,
  uri TEXT NOT NULL UNIQUE,
  email TEXT,
  displayname TEXT,
  vcardurl TEXT
);
CREATE TABLE groupmembers (
  id INTEGER PRIMARY KEY ASC,
  principal_id INTEGER NOT NULL,
  member_id INTEGER NOT NULL,
  UNIQUE (principal_id, member_id)
);
CREATE TABLE calendars (
  id INTEGER PRIMARY KEY ASC,
  principaluri TEXT NOT NULL,
  displayname TEXT,
  uri TEXT NOT NULL,
  ctag INTEGER NOT NULL DEFAULT 1,
  description TEXT,
  calendarorder INTEGER NOT NULL DEFAULT 0,
  calendarcolor TEXT,
  timezone TEXT,
  components TEXT,
  transparent BOOLEAN NOT NULL DEFAULT 0,
  UNIQUE (principaluri, uri)
);
CREATE TABLE calendarobjects (
  id INTEGER PRIMARY KEY ASC,
  calendardata BLOB,
  uri TEXT NOT NULL,
  calendarid INTEGER NOT NULL,
  lastmodified INTEGER,
  etag TEXT,
  size INTEGER,
  componenttype TEXT,
  firstoccurence INTEGER,
  lastoccurence INTEGER,
  UNIQUE (calendarid, uri)
);
CREATE TABLE addressbooks (
  id INTEGER PRIMARY KEY ASC,
  principaluri TEXT NOT NULL,
  displayname TEXT,
  uri TEXT NOT NULL,
  description TEXT,
  ctag INTEGER NOT NULL DEFAULT 1,
  UNIQUE (principaluri, uri)
);
CREATE TABLE cards (
  id INTEGER PRIMARY KEY ASC,
  addressbookid INTEGER NOT NULL,
  carddata BLOB,
  uri TEXT NOT NULL,
  lastmodified INTEGER,
  UNIQUE (addressbookid, uri)
);
CREATE TABLE locks (
  id INTEGER PRIMARY KEY ASC,
  owner TEXT,
  timeout INTEGER,
  created INTEGER,
  token TEXT,
  scope INTEGER,
  depth INTEGER,
  uri TEXT
);
