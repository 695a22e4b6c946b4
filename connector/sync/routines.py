"""Routines delivered: update requests and stock take packs, each sent once (the write ledger).

The messages come made (their text from `reports.requests`, the pack from `reports`); here
they go out through the channels of `[routines]`: e-mail, a comment that mentions the person
on the priority's ticket or record, the pack attached there. Each send is planned in the
ledger first and marked done after, so a second run, or a run after a crash, sends nothing
twice. A person without an e-mail address is reported, never a crash.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import requests
from jira.exceptions import JIRAError

from connector.clock import Clock
from connector.config import Config, RoutinesConfig, redact
from connector.sources.airtable import AirtableSource
from connector.sources.base import Source
from connector.sources.jira import JiraSource
from connector.sources.jira_write import TOKEN_PREFIX
from connector.sources.mail import Mail, Mailer, MailRefused, addresses
from connector.sources.routine_posts import (
    airtable_comment,
    airtable_upload,
    jira_attach,
    jira_mention,
)
from connector.sync.keys import unqualified
from connector.sync.state import StateStore
from mappings.errors import RdsyncError

log = logging.getLogger("rdsync.routines")
LEDGER_SOURCE = "routines"  # the ledger rows of routines; a source is never named so
REQUEST, PACK, MISSED = "update-request", "pack", "missed"


@dataclass(frozen=True)
class Outgoing:
    """One person's update request for one stock take, made and ready to send."""

    priority_key: str
    priority_source: str  # the configured source holding the priority's ticket or record
    table: str | None  # Airtable: the priority's table
    stocktake_on: date
    person_id: str
    person_name: str
    email: str | None
    subject: str
    text: str
    html: str
    comment: str  # the comment's text (Airtable: with its @[usr...] mention)
    items: tuple[str, ...]  # the needs' idents: the stock take finds them again (missed)


@dataclass(frozen=True)
class PackOut:
    """A stock take pack to deliver."""

    priority_key: str
    priority_source: str
    stocktake_on: date
    filename: str
    pdf: bytes
    attendees: tuple[str, ...]  # e-mail addresses
    subject: str
    text: str


@dataclass
class Delivery:
    """What a routines run did, line by line, for the command and the log."""

    sent: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    no_address: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            *(f"sent: {line}" for line in self.sent),
            *(f"already sent: {line}" for line in self.already),
            *(f"no e-mail address: {line}" for line in self.no_address),
            *(f"failed: {line}" for line in self.failed),
        ]


class Routines:
    """Sends through the configured channels, once per stock take; `dry_run` sends nothing and
    records nothing, and says what it would send."""

    def __init__(
        self,
        config: Config,
        store: StateStore,
        sources: Mapping[str, Source],
        clock: Clock,
        *,
        dry_run: bool = False,
        echo: Callable[[str], None] = lambda _: None,
    ) -> None:
        assert config.routines is not None
        self.cfg: RoutinesConfig = config.routines
        self.store = store
        self.sources = sources
        self.clock = clock
        self.dry_run = dry_run
        self.echo = echo
        smtp = self.cfg.smtp
        self.mailer = Mailer(smtp, at=clock.now().timestamp()) if smtp is not None else None
        found = store.outputs()
        self.run_id = found[0] if found is not None else 0
        self.done = Delivery()

    # -- the ledger -----------------------------------------------------------------------

    def _once(self, key: str, action: str, token: str, what: str, send: Callable[[], Any]) -> None:
        """Send unless the ledger has it done; record the intent before, the outcome after."""
        entry = self.store.ledger_entry(LEDGER_SOURCE, key, action, token)
        if entry is not None and entry.status == "done":
            self.done.already.append(what)
            return
        if self.dry_run:
            self.echo(f"would send: {what}")
            self.done.sent.append(what)
            return
        entry = self.store.plan_write(self.run_id, LEDGER_SOURCE, key, action, token, {})
        try:
            send()
        except (RdsyncError, JIRAError, requests.RequestException) as error:
            self.store.mark_write(entry.id, "failed")
            said = redact(str(error) if isinstance(error, RdsyncError) else _refusal(error))
            self.done.failed.append(f"{what}: {said}")
            log.error("routines: %s: %s", what, said)
            return
        self.store.mark_write(entry.id, "done")
        self.done.sent.append(what)

    def _record_request(self, out: Outgoing) -> None:
        """What the request carried, for the stock take's missed updates."""
        if self.dry_run:
            return
        detail = {
            "priority": out.priority_key,
            "stocktake_on": out.stocktake_on.isoformat(),
            "person_id": out.person_id,
            "person": out.person_name,
            "items": list(out.items),
            "sent_on": self.clock.today().isoformat(),
        }
        token = f"{out.stocktake_on.isoformat()}:{out.person_id}"
        entry = self.store.plan_write(
            self.run_id, LEDGER_SOURCE, out.priority_key, REQUEST, token, detail
        )
        self.store.mark_write(entry.id, "done")

    # -- update requests ------------------------------------------------------------------

    def send_requests(self, outgoing: list[Outgoing]) -> Delivery:
        for out in outgoing:
            on, who = out.stocktake_on.isoformat(), f"{out.person_name} ({out.priority_key})"
            if "email" in self.cfg.channels:
                if out.email is None:
                    self.done.no_address.append(
                        f"{who}: the tool shows no address; add it under [routines.people]"
                    )
                else:
                    mail = Mail(
                        (out.email,), out.subject, out.text, out.html, addresses(self.cfg.cc)
                    )
                    self._once(
                        out.priority_key,
                        f"{REQUEST}-email",
                        f"{on}:{out.person_id}",
                        f"update request e-mail to {out.email} for {out.priority_key} on {on}",
                        lambda mail=mail: self._mail(mail),  # type: ignore[misc]
                    )
            if "comment" in self.cfg.channels:
                self._once(
                    out.priority_key,
                    f"{REQUEST}-comment",
                    f"{on}:{out.person_id}",
                    f"update request comment mentioning {out.person_name} on "
                    f"{out.priority_key} for {on}",
                    lambda out=out: self._comment(out),  # type: ignore[misc]
                )
            self._record_request(out)
        return self.done

    def _mail(self, mail: Mail) -> None:
        assert self.mailer is not None  # config validation: e-mail needs [routines.smtp]
        with self.mailer.session() as server:
            self.mailer.send(server, mail)

    def _comment(self, out: Outgoing) -> None:
        source = self.sources.get(out.priority_source)
        key = unqualified(out.priority_source, out.priority_key)
        if isinstance(source, JiraSource):
            token = f"{TOKEN_PREFIX}request:{out.stocktake_on.isoformat()}:{out.person_id}"
            jira_mention(source, key, out.person_id, out.person_name, out.comment, token)
        elif isinstance(source, AirtableSource) and out.table is not None:
            airtable_comment(source, out.table, key, out.comment)
        else:
            raise RdsyncError(
                f"no source {out.priority_source!r} to comment on {out.priority_key} through",
                where="routines.channels",
                fix='Sync once more, or drop "comment" from routines.channels.',
            )

    # -- the pack -------------------------------------------------------------------------

    def deliver_pack(self, pack: PackOut) -> Delivery:
        on = pack.stocktake_on.isoformat()
        if "attach" in self.cfg.pack:
            self._once(
                pack.priority_key,
                f"{PACK}-attach",
                on,
                f"stock take pack {pack.filename} attached to {pack.priority_key}",
                lambda: self._attach(pack),
            )
        if "email" in self.cfg.pack:
            to = addresses(pack.attendees)
            if not to:
                self.done.no_address.append(f"pack of {pack.priority_key}: no attendee address")
                return self.done
            mail = Mail(
                to,
                pack.subject,
                pack.text,
                None,
                addresses(self.cfg.cc),
                ((pack.filename, pack.pdf, "application/pdf"),),
            )
            self._once(
                pack.priority_key,
                f"{PACK}-email",
                on,
                f"stock take pack {pack.filename} e-mailed to {', '.join(to)}",
                lambda: self._mail(mail),
            )
        return self.done

    def _attach(self, pack: PackOut) -> None:
        source = self.sources.get(pack.priority_source)
        key = unqualified(pack.priority_source, pack.priority_key)
        if isinstance(source, JiraSource):
            jira_attach(source, key, pack.filename, pack.pdf)
        elif isinstance(source, AirtableSource):
            airtable_upload(source, key, self.cfg.attachment_field, pack.filename, pack.pdf)
        else:
            raise RdsyncError(
                f"no source {pack.priority_source!r} to attach the pack of {pack.priority_key} to",
                where="routines.pack",
                fix='Sync once more, or drop "attach" from routines.pack.',
            )


def _refusal(error: Exception) -> str:
    """A tool's refusal in a line: its status and its words (Jira's errorMessages)."""
    status = getattr(error, "status_code", None) or getattr(
        getattr(error, "response", None), "status_code", None
    )
    text = getattr(error, "text", None) or str(error)
    return f"refused (HTTP {status}): {text}" if status else str(error)


def record_missed(
    store: StateStore, run_id: int, priority_key: str, on: date, people: dict[str, int]
) -> None:
    """The update requests each person left undone at a stock take (once: the first count
    stands), for Capacity to drive progress in the syncs that follow."""
    token = on.isoformat()
    detail = {"stocktake_on": token, "people": people}
    entry = store.plan_write(run_id, LEDGER_SOURCE, priority_key, MISSED, token, detail)
    store.mark_write(entry.id, "done")


def missed_by_person(store: StateStore) -> dict[str, int]:
    """Person id -> the requests they left undone at the last stock take of each priority."""
    last: dict[str, dict[str, Any]] = {}
    for entry in store.ledger_of(LEDGER_SOURCE, MISSED):
        last[entry.key] = entry.detail  # oldest first: the last one of a priority stays
    counts: dict[str, int] = {}
    for detail in last.values():
        people = detail.get("people")
        for person, count in people.items() if isinstance(people, dict) else ():
            counts[str(person)] = counts.get(str(person), 0) + int(count)
    return counts


def requested(store: StateStore) -> list[dict[str, Any]]:
    """What every update request carried (the ledger's details), oldest first."""
    return [e.detail for e in store.ledger_of(LEDGER_SOURCE, REQUEST) if e.detail]


__all__ = [
    "Delivery",
    "MailRefused",
    "Outgoing",
    "PackOut",
    "Routines",
    "missed_by_person",
    "record_missed",
    "requested",
]
