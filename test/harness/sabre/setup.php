<?php
/*
 * ewsdav test harness: prepares and seeds the SQLite database of the sabre/dav test server
 * (server.php beside this file). Run with the PHP CLI:
 *   php setup.php init DATABASE USER           tables (schema.sql) and the user's principal
 *   php setup.php seed DATABASE USER SEEDFILE  a collection and its items, through sabre's own
 *                                              PDO backends (what a PUT stores), in one transaction
 * SEEDFILE is JSON: { "name", "kind": "calendar"|"addressbook", "displayName"?, "items": [{ "name", "text" }] }.
 */

declare(strict_types=1);

require_once '/usr/share/php/Sabre/autoload.php';

[, $command, $database, $user] = $argv + [null, null, null, null];
if (!in_array($command, ['init', 'seed'], true) || !$database || !$user) {
    fwrite(STDERR, "usage: php setup.php init|seed DATABASE USER [SEEDFILE]\n");
    exit(2);
}
$pdo = new PDO('sqlite:' . $database);
$pdo->setAttribute(PDO::ATTR_ERRMODE, PDO::ERRMODE_EXCEPTION);
$pdo->exec('PRAGMA busy_timeout = 30000');
$principal = 'principals/users/' . $user;

if ($command === 'init') {
    $pdo->exec('PRAGMA journal_mode = WAL');
    $pdo->exec((string) file_get_contents(__DIR__ . '/schema.sql'));
    $insert = $pdo->prepare('INSERT INTO principals (uri, email, displayname) VALUES (?, ?, ?)');
    $insert->execute([$principal, $user . '@example.org', ucfirst($user)]);
    $insert->execute([$principal . '/calendar-proxy-read', null, null]);
    $insert->execute([$principal . '/calendar-proxy-write', null, null]);
    exit(0);
}

$seed = json_decode((string) file_get_contents((string) ($argv[4] ?? '')), true, 16, JSON_THROW_ON_ERROR);
$pdo->beginTransaction();
if ($seed['kind'] === 'calendar') {
    $backend = new Sabre\CalDAV\Backend\PDO($pdo);
    $properties = [
        '{urn:ietf:params:xml:ns:caldav}supported-calendar-component-set' =>
            new Sabre\CalDAV\Property\SupportedCalendarComponentSet(['VEVENT', 'VTODO']),
    ];
    if (isset($seed['displayName'])) $properties['{DAV:}displayname'] = $seed['displayName'];
    $id = $backend->createCalendar($principal, $seed['name'], $properties);
    foreach ($seed['items'] as $item) $backend->createCalendarObject($id, $item['name'], $item['text']);
} else {
    $backend = new Sabre\CardDAV\Backend\PDO($pdo);
    $properties = isset($seed['displayName']) ? ['{DAV:}displayname' => $seed['displayName']] : [];
    $backend->createAddressBook($principal, $seed['name'], $properties); // 1.8 returns no id
    $select = $pdo->prepare('SELECT id FROM addressbooks WHERE principaluri = ? AND uri = ?');
    $select->execute([$principal, $seed['name']]);
    $id = $select->fetchColumn();
    foreach ($seed['items'] as $item) $backend->createCard($id, $item['name'], $item['text']);
}
$pdo->commit();
