"""exchangelib (Debian python3-exchangelib 4.9) fetching every contact of the contacts folder as
full items: `account.contacts.all()` with no `only()` is FindItem (IdOnly pages) then GetItem of
every field. Basic auth, the version given (no autodiscover, no version probe). Run with Debian's
/usr/bin/python3. Prints one JSON line {"items", "ms"}.

    BENCH_EWS_PASSWORD=... /usr/bin/python3 bench/peers/exchangelib_fetch.py EWS_URL USER
"""
import json
import os
import sys
import time

from exchangelib import BASIC, DELEGATE, Account, Build, Configuration, Credentials, Version

url, user = sys.argv[1], sys.argv[2]
config = Configuration(
    service_endpoint=url,
    credentials=Credentials(user, os.environ.get("BENCH_EWS_PASSWORD", "")),
    auth_type=BASIC,
    version=Version(build=Build(15, 1, 2507, 6), api_version="Exchange2016"),
    max_connections=4,
)
account = Account(primary_smtp_address=user, config=config, autodiscover=False, access_type=DELEGATE)
started = time.perf_counter()
items = 0
errors = 0
for item in account.contacts.all():
    if isinstance(item, Exception):
        errors += 1
    else:
        items += 1
ms = (time.perf_counter() - started) * 1000
print(json.dumps({"items": items, "errors": errors, "ms": ms}), flush=True)
