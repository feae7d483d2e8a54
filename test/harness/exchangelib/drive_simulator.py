"""Drives the EWS simulator with exchangelib, an EWS client written independently of ewsdav.

Run by test/integration/exchangelib.test.ts (Debian python3-exchangelib). Endpoint, user and
password come from EWS_URL, EWS_USER and EWS_PASSWORD; no autodiscover, Basic auth, the version
is given. Every check prints one JSON line {"check": name, ...facts}; the test asserts on the facts.
A check that raises prints {"check": name, "error": "<exception class>: <message>"} and the
script goes on with the next one.
"""
import datetime
from decimal import Decimal
import json
import os
import sys
import traceback

from exchangelib import (
    BASIC, DELEGATE, Account, CalendarItem, Configuration, Contact, Credentials, EWSDateTime, EWSTimeZone, Version, Build,
)
from exchangelib.errors import ErrorIrresolvableConflict
from exchangelib.folders import Contacts
from exchangelib.items import Task
from exchangelib.recurrence import DailyPattern, Recurrence, WeeklyPattern
from exchangelib.indexed_properties import EmailAddress
from exchangelib.properties import AlternateId

TZ = EWSTimeZone("Europe/Berlin")
UTC = EWSTimeZone("UTC")


def emit(check, **facts):
    print(json.dumps({"check": check, **facts}, default=str), flush=True)


def run(check, fn):
    try:
        fn()
    except Exception as error:  # one failing check must not hide the others
        emit(check, error=f"{type(error).__name__}: {error}", trace=traceback.format_exc(limit=4))


def account():
    config = Configuration(
        service_endpoint=os.environ["EWS_URL"],
        credentials=Credentials(os.environ["EWS_USER"], os.environ["EWS_PASSWORD"]),
        auth_type=BASIC,
        version=Version(build=Build(15, 1, 2507, 6), api_version="Exchange2016"),
        max_connections=1,
    )
    return Account(primary_smtp_address=os.environ["EWS_USER"], config=config, autodiscover=False,
                   access_type=DELEGATE, default_timezone=TZ)


def main():
    acc = account()

    def folders():
        emit("folders", calendar=acc.calendar.name, contacts=acc.contacts.name, tasks=acc.tasks.name,
             calendar_class=acc.calendar.folder_class, children=sorted(f.name for f in acc.msg_folder_root.children))
    run("folders", folders)

    def convert_ids():
        folder_id = acc.calendar.id
        there = list(acc.protocol.convert_ids([AlternateId(id=folder_id, format="EwsId", mailbox=acc.primary_smtp_address)], destination_format="HexEntryId"))
        back = list(acc.protocol.convert_ids([AlternateId(id=there[0].id, format="HexEntryId", mailbox=acc.primary_smtp_address)], destination_format="EwsId"))
        emit("convert_ids", hex_length=len(there[0].id), mailbox=there[0].mailbox, round_trip=back[0].id == folder_id)
    run("convert_ids", convert_ids)

    def sync_initial_pages():
        folder = Contacts(parent=acc.contacts, name="exchangelib sync")
        folder.save()
        made = {}
        for name in ["A", "B", "C", "D", "E"]:
            contact = Contact(folder=folder, given_name=name, surname="Sync", display_name=f"{name} Sync")
            contact.save()
            made[name] = contact
        made["A"].surname = "changed before the first page"
        made["A"].save(update_fields=["surname"])
        changes = []
        for n, (change_type, item) in enumerate(folder.sync_items(max_changes_returned=2, only_fields=["given_name", "surname"])):
            changes.append([change_type, item.given_name if change_type != "delete" else None])
            if n == 1:  # after the first page: another change to A (delivered later) and to D (not yet delivered)
                for name in ["A", "D"]:
                    fresh = folder.get(id=made[name].id)
                    fresh.surname = "changed after the first page"
                    fresh.save(update_fields=["surname"])
        again = [c for c in folder.sync_items(sync_state=folder.item_sync_state, max_changes_returned=2, only_fields=["given_name"])]
        fresh = Contact(folder=folder, given_name="F", display_name="F")
        fresh.save()
        fresh.surname = "edited in the same window"
        fresh.save(update_fields=["surname"])
        gone = Contact(folder=folder, given_name="G", display_name="G")
        gone.save()
        gone.delete()
        window = [[t, getattr(i, "given_name", None)] for t, i in folder.sync_items(sync_state=folder.item_sync_state, max_changes_returned=2, only_fields=["given_name"])]
        emit("sync", initial=changes, quiet=len(again), window=window)
    run("sync", sync_initial_pages)

    def contacts_crud():
        c = Contact(folder=acc.contacts, given_name="Ann", surname="Lee", display_name="Ann Lee", email_addresses=[EmailAddress(email="ann@example.org", label="EmailAddress1")],
                    company_name="ACME")
        c.save()
        got = acc.contacts.get(id=c.id)
        got.job_title = "Engineer"
        got.save(update_fields=["job_title"])
        again = acc.contacts.get(id=c.id)
        found = c.id in [x.id for x in acc.contacts.filter(company_name="ACME")]
        again.delete()
        emit("contacts", created=got.given_name, email=got.email_addresses[0].email if got.email_addresses else None,
             job_title=again.job_title, found=found, after_delete=c.id in [x.id for x in acc.contacts.all()])
    run("contacts", contacts_crud)

    def events_crud():
        start = EWSDateTime(2026, 5, 4, 10, 0, tzinfo=TZ)
        e = CalendarItem(folder=acc.calendar, subject="exchangelib event", start=start, end=start + datetime.timedelta(hours=1), location="Room 1")
        e.save(send_meeting_invitations="SendToNone")
        got = acc.calendar.get(id=e.id)
        got.location = "Room 2"
        got.save(update_fields=["location"], send_meeting_invitations="SendToNone")
        view = [i.subject for i in acc.calendar.view(start=start - datetime.timedelta(days=1), end=start + datetime.timedelta(days=1))]
        final = acc.calendar.get(id=e.id)
        final.delete(send_meeting_cancellations="SendToNone")
        emit("events", start=got.start.astimezone(UTC).isoformat(), location=final.location, view=view,
             start_tz=str(got._start_timezone), remaining=len([i for i in acc.calendar.filter(subject="exchangelib event")]))
    run("events", events_crud)

    def stale_change_key():
        c = Contact(folder=acc.contacts, given_name="Stale", surname="Key", display_name="Stale Key")
        c.save()
        first = acc.contacts.get(id=c.id)
        second = acc.contacts.get(id=c.id)
        first.surname = "First writer"
        first.save(update_fields=["surname"])
        second.surname = "Second writer"
        try:
            second.save(update_fields=["surname"])
            outcome = "saved"
        except ErrorIrresolvableConflict:
            outcome = "ErrorIrresolvableConflict"
        emit("stale", outcome=outcome, surname=acc.contacts.get(id=c.id).surname)
        first.delete()
    run("stale", stale_change_key)

    def occurrences():
        start = EWSDateTime(2026, 6, 1, 9, 0, tzinfo=TZ)
        master = CalendarItem(folder=acc.calendar, subject="exchangelib series", start=start, end=start + datetime.timedelta(minutes=30),
                              recurrence=Recurrence(pattern=WeeklyPattern(interval=1, weekdays=[1]), start=start.date(), number=5))
        master.save(send_meeting_invitations="SendToNone")
        occ = master.occurrence(2)
        occ.refresh()
        original = occ.start
        occ.start = occ.start + datetime.timedelta(hours=2)
        occ.end = occ.end + datetime.timedelta(hours=2)
        moved = None
        try:
            occ.save(update_fields=["start", "end"], send_meeting_invitations="SendToNone")
            moved = "saved"
        except Exception as error:
            moved = f"{type(error).__name__}: {error}"
        deleted = None
        try:
            master.occurrence(3).delete(send_meeting_cancellations="SendToNone")
            deleted = "deleted"
        except Exception as error:
            deleted = f"{type(error).__name__}: {error}"
        after = acc.calendar.get(id=master.id)
        emit("occurrences", moved=moved, deleted=deleted, original=original.astimezone(UTC).isoformat(),
             modified=[(o.start.astimezone(UTC).isoformat()) for o in (after.modified_occurrences or [])],
             deleted_occurrences=[o.start.astimezone(UTC).isoformat() for o in (after.deleted_occurrences or [])],
             view=[i.start.astimezone(UTC).isoformat() for i in acc.calendar.view(start=start, end=start + datetime.timedelta(days=35)) if i.subject == "exchangelib series"])
    run("occurrences", occurrences)

    def occurrence_full_save():
        # As exchangelib's own test_change_occurrence does against Exchange Online: an occurrence
        # unfolded by a calendar view, moved, and saved without update_fields (every writable field).
        start = EWSDateTime(2026, 9, 7, 8, 0, tzinfo=TZ)
        master = CalendarItem(folder=acc.calendar, subject="exchangelib full save", start=start, end=start + datetime.timedelta(hours=2),
                              recurrence=Recurrence(pattern=DailyPattern(interval=1), start=start.date(), number=4), categories=["x"])
        master.save(send_meeting_invitations="SendToNone")
        unfolded = [i for i in acc.calendar.view(start=start, end=start + datetime.timedelta(days=4)) if i.subject == "exchangelib full save"]
        second = unfolded[1]
        second.start += datetime.timedelta(hours=1)
        second.end += datetime.timedelta(hours=1)
        try:
            second.save(send_meeting_invitations="SendToNone")
            saved = "saved"
        except Exception as error:
            saved = f"{type(error).__name__}: {error}"
        after = acc.calendar.get(id=master.id)
        again = [i for i in acc.calendar.view(start=start, end=start + datetime.timedelta(days=4)) if i.subject == "exchangelib full save"]
        emit("occurrence_full_save", saved=saved, modified=len(after.modified_occurrences or []), count=len(again),
             second_type=again[1].type if len(again) > 1 else None, second_start=again[1].start.astimezone(UTC).isoformat() if len(again) > 1 else None)
    run("occurrence_full_save", occurrence_full_save)

    def tasks():
        t = Task(folder=acc.tasks, subject="exchangelib task", due_date=datetime.date(2026, 7, 1), status="NotStarted")
        t.save()
        got = acc.tasks.get(id=t.id)
        got.percent_complete = Decimal(50)
        got.status = "InProgress"
        got.save(update_fields=["percent_complete", "status"])
        again = acc.tasks.get(id=t.id)
        again.delete()
        emit("tasks", subject=got.subject, due=str(got.due_date), status=again.status, percent=again.percent_complete,
             remaining=len([x for x in acc.tasks.filter(subject="exchangelib task")]))
    run("tasks", tasks)

    emit("done")


if __name__ == "__main__":
    sys.exit(main())
