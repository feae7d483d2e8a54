<?php
/*
 * ewsdav test harness: a sabre/dav server laid out like Nextcloud, run by PHP's built-in web
 * server (`php -S 127.0.0.1:PORT server.php`) as the router script of every request.
 *
 * Written for Debian's php-sabre-dav (sabre/dav 1.8) with the PDO backends on SQLite. The
 * settings come from the JSON file named by EWSDAV_SABRE_CONFIG (written by
 * test/harness/dav-servers.ts):
 *   { "database": "/tmp/…/sabre.sqlite", "user": "alice", "passwords": ["main", "app password"] }
 *
 * URL layout (Nextcloud's):
 *   /remote.php/dav/                              the DAV root
 *   /remote.php/dav/principals/users/alice/       the principal
 *   /remote.php/dav/calendars/alice/              the calendar home
 *   /remote.php/dav/addressbooks/users/alice/     the address book home
 *   /.well-known/caldav, /.well-known/carddav     301 to /remote.php/dav/ (Nextcloud's web server rule)
 * Basic auth; every password listed is accepted for the user (Nextcloud's app passwords).
 */

declare(strict_types=1);

require_once '/usr/share/php/Sabre/autoload.php';

use Sabre\DAV;
use Sabre\DAVACL;
use Sabre\CalDAV;
use Sabre\CardDAV;

const EWSDAV_BASE = '/remote.php/dav/';

$path = parse_url($_SERVER['REQUEST_URI'] ?? '/', PHP_URL_PATH) ?: '/';
if (preg_match('#^/\.well-known/(caldav|carddav)/?$#', $path)) {
    http_response_code(301);
    header('Location: ' . EWSDAV_BASE);
    return true;
}
if ($path === '/remote.php/dav') {
    http_response_code(301);
    header('Location: ' . EWSDAV_BASE);
    return true;
}
if (strncmp($path, EWSDAV_BASE, strlen(EWSDAV_BASE)) !== 0) {
    http_response_code(404);
    header('Content-Type: text/plain');
    echo "not found\n";
    return true;
}

$config = json_decode((string) file_get_contents((string) getenv('EWSDAV_SABRE_CONFIG')), true, 8, JSON_THROW_ON_ERROR);

/** Basic auth accepting each of the configured passwords for the one user. */
final class EwsdavBasicAuth extends DAV\Auth\Backend\AbstractBasic
{
    /** @param array<int, string> $passwords */
    public function __construct(private string $user, private array $passwords)
    {
    }

    protected function validateUserPass($username, $password)
    {
        return $username === $this->user && in_array($password, $this->passwords, true);
    }
}

/** The address book root one level down, as `addressbooks/users/` (Nextcloud's layout). */
final class EwsdavUsersAddressBookRoot extends CardDAV\AddressBookRoot
{
    public function getName()
    {
        return 'users';
    }
}

/** CardDAV with the address book home set pointing at `addressbooks/users/NAME/`. */
final class EwsdavCardDavPlugin extends CardDAV\Plugin
{
    public function beforeGetProperties($path, DAV\INode $node, array &$requestedProperties, array &$returnedProperties)
    {
        parent::beforeGetProperties($path, $node, $requestedProperties, $returnedProperties);
        $home = '{' . self::NS_CARDDAV . '}addressbook-home-set';
        if ($node instanceof DAVACL\IPrincipal && isset($returnedProperties[200][$home])) {
            $returnedProperties[200][$home] = new DAV\Property\Href('addressbooks/users/' . $node->getName() . '/');
        }
    }
}

$pdo = new PDO('sqlite:' . $config['database']);
$pdo->setAttribute(PDO::ATTR_ERRMODE, PDO::ERRMODE_EXCEPTION);
$pdo->setAttribute(PDO::ATTR_TIMEOUT, 30);
$pdo->exec('PRAGMA busy_timeout = 30000');

$principals = new DAVACL\PrincipalBackend\PDO($pdo);
$calendars = new CalDAV\Backend\PDO($pdo);
$cards = new CardDAV\Backend\PDO($pdo);
$locks = new DAV\Locks\Backend\PDO($pdo);

$server = new DAV\Server([
    new DAV\SimpleCollection('principals', [new CalDAV\Principal\Collection($principals, 'principals/users')]),
    new CalDAV\CalendarRootNode($principals, $calendars, 'principals/users'),
    new DAV\SimpleCollection('addressbooks', [new EwsdavUsersAddressBookRoot($principals, $cards, 'principals/users')]),
]);
$server->setBaseUri(EWSDAV_BASE);
$server->addPlugin(new DAV\Auth\Plugin(new EwsdavBasicAuth($config['user'], $config['passwords']), 'ewsdav'));
$acl = new DAVACL\Plugin();
$acl->defaultUsernamePath = 'principals/users';
$acl->principalCollectionSet = ['principals/users'];
$server->addPlugin($acl);
$server->addPlugin(new CalDAV\Plugin());
$server->addPlugin(new EwsdavCardDavPlugin());
$server->addPlugin(new DAV\Locks\Plugin($locks));
$server->exec();
return true;
