"""Jira through the real `jira` client: paged reads, full changelogs, key scans, write-back."""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import Counter
from collections.abc import Callable, Generator, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, closing
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import requests
from jira import JIRA
from jira.exceptions import JIRAError

from connector.config import JiraSourceConfig, WritebackConfig, url_is_gateway
from connector.sources.base import (
    BATCH,
    ROLES,
    ApplyResult,
    CurrentValues,
    Outage,
    Patch,
    Role,
)
from connector.sources.compact import ROWS, Shared, owned_texts
from connector.sources.handoff import quick_handoff
from connector.sources.heap import frozen_pages
from connector.sources.incremental import Cursor, ReadResult, Seen, SiteTime
from connector.sources.jira_account import Notifications
from connector.sources.jira_history import (
    fetch_histories,
    inline_histories,
    long_held,
    post_json,
)
from connector.sources.jira_pace import pace_session, settle_environment
from connector.sources.jira_write import JiraWriter, auth_error, comment_token
from connector.sources.ratelimit import Limiter
from connector.sources.reach import answer, answer_text, not_the_tool, unreachable
from connector.sources.retry import (
    CONNECT_SECONDS,
    LimitAdvice,
    RetryPolicy,
    ToolUnavailable,
    status_of,
)
from mappings.config import JiraMapping
from mappings.errors import ConfigError, RdsyncError
from mappings.jira import map_jira
from mappings.jira_fields import FieldIndex
from mappings.model import EntityKind
from mappings.readers import ReadError, read_datetime
from mappings.records import MappedRecords

ID_PAGE = {"cloud": 5000, "server": 1000}  # a key-only search may page this many at once


class JiraSource:
    """One configured Jira site, read and written through `jira.JIRA` under one retry policy.

    `connect()` makes three calls (serverInfo, myself for the user's time zone, and the field
    list); a full read then costs one search call per page of `page_size` issues, plus, on
    Cloud, ⌈indicators / 1,000⌉ bulk changelog fetches and their extra pages (on Server/DC,
    the changelog of each indicator whose inline history search cut short). The first edit
    in a project asks once whether the account may skip notifications (`notifications`).
    """

    tool = "jira"

    def __init__(
        self,
        name: str,
        config: JiraSourceConfig,
        mapping: JiraMapping,
        *,
        retry: RetryPolicy | None = None,
        writeback: WritebackConfig | None = None,
        limiter: Limiter | None = None,
    ) -> None:
        self.name = name
        self.limiter = limiter  # paces the site's requests, shared with its other sources
        self.config = config
        # Two sources of one site may read the same issue; links go to where people open it.
        self.site = (config.site_url or config.url).casefold()
        self.site_url = config.site_url or config.url
        self.mapping = mapping
        self.retry = retry or RetryPolicy(tool="Jira")
        self.writeback = writeback or WritebackConfig()
        self.overlap = timedelta(seconds=config.overlap_seconds)
        self.cloud = config.deployment == "cloud"
        self.calls: Counter[str] = Counter()
        self.names: dict[str, str] = {}  # field id -> name, from GET /field
        self.schemas: dict[str, dict[str, Any]] = {}
        self.index = FieldIndex({})  # field references -> ids, for reading and writing alike
        self.field_ids: dict[Role, str] = {}  # write-back role -> field id
        self.owned_ids: tuple[str, ...] = ()  # our text fields no mapping reads: held as text
        self.notes: list[str] = []
        self.account_name = ""  # who rdsync signs in as, from GET myself
        self.zone = ZoneInfo("UTC")
        self.notifications = Notifications(self)
        self.site_time = SiteTime()
        self.fitness: dict[bool, list[Any]] = {}  # the mapping check's problems, by `writes`
        self._client: JIRA | None = None

    # -- connecting -----------------------------------------------------------------------

    @property
    def client(self) -> JIRA:
        self.ensure_connected()
        assert self._client is not None
        return self._client

    def ensure_connected(self) -> None:
        """Connect on first use: field ids and the time zone are needed before any search."""
        if self._client is None:
            self.connect()

    def connect(self) -> None:
        """Sign in and learn the site: time zone and fields. A refused token stops the run, and
        so does an address where no Jira answers (naming `sources.<name>.url`)."""
        auth: dict[str, Any] = (
            {"basic_auth": (self.config.email, self.config.token.get_secret_value())}
            if self.config.auth == "token"
            else {"token_auth": self.config.token.get_secret_value()}
        )
        options = {"rest_api_version": "3" if self.cloud else "2", "verify": self.config.verify_tls}
        self.notifications.by_project.clear()  # rights may have changed since
        self.fitness.clear()  # and fields or options: the mapping is checked again
        timeout = self.config.timeout_seconds
        self._client = JIRA(
            server=self.config.url,
            options=options,
            max_retries=0,  # retries happen once, in our policy, not stacked under it
            timeout=(min(CONNECT_SECONDS, timeout), timeout),  # (connect, read)
            get_server_info=False,  # asked below, under the policy, keeping its baseUrl
            **auth,
        )
        logging.getLogger("jira").setLevel(logging.WARNING)  # JIRA() sets it to INFO
        self._client._session.hooks["response"].extend([LimitAdvice(self.name), self.site_time])
        if self.limiter is not None:
            pace_session(self._client._session, self.config, self.limiter, self.retry.clock)
        settle_environment(self._client._session, self.config.url)
        try:
            info = self._reach()
            self._learn_server(info)
            me = self.call("myself", self._client.myself)
            fields = self.call("field list", self._client.fields)
            self._learn(me, fields)
        except BaseException as error:
            self._client = None  # half a connection: the next use connects afresh
            if isinstance(error, JIRAError) and status_of(error) in (401, 403):
                raise auth_error(self.name, self.config, error) from None
            raise

    def begin_run(self) -> None:
        """A run starts: its calls are counted afresh. The connection and what it learnt (the
        fields, the time zone, the account's rights) are kept: a daemon does not sign in again
        for every sync, only at its daily full one (a new source)."""
        self.calls.clear()

    def _reach(self) -> dict[str, Any]:
        """The first call, serverInfo: what answers there must be Jira."""
        key, url = f"sources.{self.name}.url", self.config.url
        asked = f"/rest/api/{'3' if self.cloud else '2'}/serverInfo"
        fix = (
            f"Set {key} to the address of the site itself, the one whose {asked} answers: "
            "https://<site>.atlassian.net for Jira Cloud; for Data Center, with its context "
            "path if it has one (https://host/jira)."
        )
        assert self._client is not None
        self.calls["serverInfo"] += 1
        try:
            info = self.retry.reach(f"{self.name}: serverInfo", self._client.server_info)
        except ToolUnavailable as error:
            raise unreachable("Jira", key, url, error) from None
        except JIRAError as error:
            if status_of(error) in (401, 403):
                raise
            raise not_the_tool("Jira", key, url, asked, answer(error.response), fix) from None
        except requests.exceptions.JSONDecodeError as error:
            raise not_the_tool("Jira", key, url, asked, answer_text(error.doc), fix) from None
        if not isinstance(info, dict) or "versionNumbers" not in info:  # some other API
            raise not_the_tool("Jira", key, url, asked, "JSON that is not Jira's", fix)
        return info

    def _learn_server(self, info: dict[str, Any]) -> None:
        """What JIRA() reads of serverInfo, and the site's own address: through Atlassian's
        gateway, links must still open the site (unless `site_url` says where)."""
        self._client._version = tuple(info.get("versionNumbers") or (0, 0, 0))  # type: ignore[union-attr]
        self._client.deploymentType = info.get("deploymentType")  # type: ignore[union-attr]
        self._check_deployment(info.get("deploymentType"))
        base = str(info.get("baseUrl") or "").rstrip("/")
        if self.config.site_url is None and url_is_gateway(self.config.url) and base:
            self.site_url = base

    def _check_deployment(self, deployment: str | None) -> None:
        """Cloud and Server differ in paths and in how paragraphs travel: they must agree."""
        if deployment is not None and (deployment == "Cloud") != self.cloud:
            raise ConfigError(
                f"the site says it is Jira {deployment}, but the config says "
                f"deployment = {self.config.deployment!r}",
                where=f"sources.{self.name}.deployment",
                fix=f'Set deployment = "{"cloud" if deployment == "Cloud" else "server"}".',
            )

    def _learn(self, me: dict[str, Any], fields: list[dict[str, Any]]) -> None:
        self.notes.clear()  # learnt afresh, as everything below
        self.account_name = str(me.get("displayName") or me.get("emailAddress") or "")
        try:
            self.zone = ZoneInfo(me.get("timeZone") or "UTC")
        except (ZoneInfoNotFoundError, ValueError):
            self.notes.append(f"unknown time zone {me.get('timeZone')!r}; JQL dates use UTC")
        self.names = {f["id"]: f.get("name", f["id"]) for f in fields}
        self.index = FieldIndex(self.names)
        self.schemas = {f["id"]: f.get("schema") or {} for f in fields}
        # We always pass field ids. An identity cache spares the client its own GET /field
        # and stops it rewriting ids it takes for names (e.g. "key" into "issuekey").
        self.client._fields_cache_value = {fid: fid for fid in self.names}
        wanted = self.mapping.writeback
        self.field_ids = {}  # learnt afresh: a reconnect (after `--fix`) sees the new fields
        for role in ROLES:
            ref = getattr(wanted, role)
            if ref is None:
                continue
            fid = self.field_id(ref)
            if fid is None:
                self.notes.append(
                    f"write-back field '{ref}' (mapping writeback.{role}) is not one field of "
                    "the site; it is not written: `rdsync mapping check` says why"
                )
            else:
                self.field_ids[role] = fid
        mapped = {self.field_id(ref) or ref for ref in self.mapping.field_refs()}
        texts = (self.field_ids.get("rationale"), self.field_ids.get("gaps"))
        self.owned_ids = tuple(fid for fid in texts if fid is not None and fid not in mapped)

    def field_id(self, ref: str) -> str | None:
        """The site's field a reference means: by id, or by its exact name if one field has
        it (`FieldIndex`, the rule the mapper reads by); None when the site has no such field."""
        fid = self.index.id(ref)
        return fid if fid in self.names else None

    def call(self, what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """One API call under the retry policy, counted by what it is."""
        self.calls[what.split(" ")[0]] += 1
        return self.retry.call(f"{self.name}: {what}", fn, *args, **kwargs)

    # -- reading --------------------------------------------------------------------------

    @property
    def scope_jql(self) -> str:
        """The configured scope, narrowed to the mapped issue types when types alone select."""
        entities = self.mapping.entities.values()
        clauses = [self.config.scope_jql]
        if all(e.issue_type and not e.label and not e.jql for e in entities):
            types = ", ".join(jql_string(str(e.issue_type)) for e in entities)
            clauses.append(f"issuetype in ({types})")
        return " AND ".join(clauses)

    def read_fields(self) -> list[str]:
        """The mapped fields and the write-back fields, as ids: nothing else is fetched."""
        refs = [*self.mapping.field_refs(), "updated"]
        ids = {self.field_id(ref) or ref for ref in refs}
        ids.update(self.field_ids.values())
        return sorted(ids)

    def read(
        self, cursor: Cursor | None = None, known: Mapping[str, Any] | None = None
    ) -> ReadResult:
        """Issues updated since the cursor (all, without one), with complete changelogs.

        An incremental read starts an overlap before the last read began (`Cursor.since`), so
        a no-change sync is one search (Data Center's also counts the scope: issues ordered
        newest first, stopping at the cursor); with `deletions = "every_sync"` Cloud counts
        the scope in one call more, and the key scan runs only when that count differs. On
        Cloud, a changed indicator whose history as last read (`known`) is long takes its new
        histories from one search of such issues' newest (`_inline`): only the rest (and
        every indicator of a full read) are bulk fetched."""
        self.ensure_connected()
        cursor = cursor or Cursor()
        since = cursor.since(self.overlap)
        counts: Counter[str] = Counter()
        records: dict[str, Any] = {}
        returned: list[Seen] = []
        fields, measured = self.read_fields(), self._measured()
        expand = None if self.cloud else "changelog"  # Cloud's histories: `_inline`, bulk fetch
        newest_first = since is not None and not self.cloud
        self.site_time.value = None  # the site's clock when this read's first answer came
        total: int | None = None
        shared = Shared()  # each page's users, statuses and options held once, as it comes
        # The next page is fetched while this one is taken, unless this one ends the read.
        ahead = partial(_wanted_after, since if newest_first else None)
        pages = self._pages(self._read_jql(since), fields, expand, counts, ahead)
        with frozen_pages() as settle, closing(pages):  # kept pages: not walked by the collector
            for page in pages:
                if newest_first and total is None and isinstance(page.get("total"), int):
                    total = page["total"]
                stop = since if newest_first else None
                older = self._take(page, stop, cursor, records, returned, counts, shared)
                settle()
                if older:  # newest first: the rest was read before
                    break
            for issue in () if self.cloud else records.values():
                self._complete_changelog(issue, counts, shared)
            if self.cloud:
                indicators = [issue for issue in records.values() if self._is_indicator(issue)]
                if since is not None and known and measured:
                    indicators = self._inline(indicators, known, measured, counts, shared)
                before = counts["changelog_calls"]
                try:
                    post = self._bulk_post()
                    fetch_histories(indicators, measured, post, counts, shared.text, settle)
                finally:  # counted where they were sent from: the caller's thread
                    self.calls["changelog"] += counts["changelog_calls"] - before
        every_sync = since is not None and self.config.deletions == "every_sync"
        if every_sync and self.cloud:
            total = self._count(counts)
        counts["read"] = len(records)
        advanced = cursor.advance(returned, self.overlap, self.site_time.value)
        return ReadResult(records, advanced, since is None, counts, every_sync, total)

    def _read_jql(self, since: datetime | None) -> str:
        """A full read by key; Cloud's incremental one from `since`; Data Center's, the whole
        scope newest first (its first page counts the scope: no call of its own)."""
        if since is None:
            return f"{self.scope_jql} ORDER BY key ASC"
        if not self.cloud:
            return f"{self.scope_jql} ORDER BY updated DESC, key ASC"
        stamp = f"{since.astimezone(self.zone):%Y-%m-%d %H:%M}"
        return f'{self.scope_jql} AND updated >= "{stamp}" ORDER BY key ASC'

    def _take(
        self,
        page: dict[str, Any],
        since: datetime | None,
        cursor: Cursor,
        records: dict[str, Any],
        returned: list[Seen],
        counts: Counter[str],
        shared: Shared,
    ) -> bool:
        """Keep a page's new versions (compactly: `shared`); True once an issue older than
        `since` came."""
        for issue in page.get("issues") or ():
            key, stamp = issue["key"], str((issue.get("fields") or {}).get("updated") or "")
            updated = _stamp(stamp)
            if since is not None and updated is not None and updated < since:
                return True
            returned.append(Seen(key, stamp, updated))
            if cursor.is_duplicate(key, stamp):
                counts["duplicates"] += 1
            else:
                fields = issue.get("fields")
                if isinstance(fields, dict):  # first: a document held as text is not walked
                    owned_texts(fields, self.owned_ids, shared)
                records[key] = shared.page(issue)
        return False

    def _count(self, counts: Counter[str]) -> int | None:
        """Cloud: the scope's issue count, one call (search/jql pages carry no total)."""
        counts["count_calls"] += 1
        post = post_json(self.client._session, self.client._get_url("search/approximate-count"))
        answer = self.call("count", post, {"jql": self.scope_jql})
        count = answer.get("count")
        return count if isinstance(count, int) else None

    def _pages(
        self,
        jql: str,
        fields: list[str],
        expand: str | None,
        counts: Counter[str],
        ahead: Callable[[dict[str, Any]], bool] | None = None,
    ) -> Generator[dict[str, Any], None, None]:
        """Search pages: Cloud by `nextPageToken`, Server/DC by `startAt`; one call each.

        With `ahead`, the page after one that `ahead` says does not end the read is asked for
        (in one thread of its own, under the retry policy and the limiter) before that one is
        handed over, so the site answers while the caller takes it: one request in flight at
        a time, in the same order; its error is raised when the caller asks for that page.
        Closed early, a page still coming is waited for and dropped, and the thread ends."""
        size = self.config.page_size if fields != ["key"] else ID_PAGE[self.config.deployment]
        search = partial(self._search, jql, fields, expand, size)
        pool = ThreadPoolExecutor(1, thread_name_prefix="jira-pages") if ahead else None
        dropped = threading.Event()  # the caller stopped: a page still coming tries no more
        token: str | None = None
        start = 0
        handoff = ExitStack()  # a read-ahead: the lock handed to the fetching thread promptly
        if pool is not None:
            handoff.enter_context(quick_handoff())
        try:
            coming = self._ask(pool, dropped, counts, search, token, start)
            while True:
                try:
                    page = coming.result()
                except JIRAError as error:
                    raise self._search_error(error, jql) from None
                issues = page.get("issues") or []
                token, start = page.get("nextPageToken"), start + len(issues)
                last = not token if self.cloud else not issues or start >= int(page.get("total", 0))
                if last:
                    yield page
                    return
                if ahead is not None and ahead(page):
                    coming = self._ask(pool, dropped, counts, search, token, start)
                    yield page
                else:
                    yield page
                    coming = self._ask(pool, dropped, counts, search, token, start)
        finally:
            dropped.set()
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
            handoff.close()

    def _ask(
        self,
        pool: ThreadPoolExecutor | None,
        dropped: threading.Event,
        counts: Counter[str],
        search: Callable[..., dict[str, Any]],
        *args: Any,
    ) -> Future[dict[str, Any]]:
        """One search page asked for: counted here, in the caller's thread; fetched in the
        pool's thread when there is one, else now."""
        counts["search_calls"] += 1
        self.calls["search"] += 1
        what = f"{self.name}: search page {counts['search_calls']}"

        def attempt() -> dict[str, Any]:
            if dropped.is_set():
                raise _Dropped(what)  # not transient: no retry is tried for a dropped page
            return search(*args)

        if pool is not None:
            return pool.submit(self.retry.call, what, attempt)
        done: Future[dict[str, Any]] = Future()
        try:
            done.set_result(self.retry.call(what, attempt))
        except Exception as error:
            done.set_exception(error)
        return done

    def _search_error(self, error: JIRAError, jql: str) -> RdsyncError:
        """A refused search names the config key behind it: the scope, or the deployment."""
        status = status_of(error)
        where = f"sources.{self.name}"
        if status in (401, 403):
            return auth_error(self.name, self.config, error)
        if status in (404, 410):
            return ConfigError(
                f"the site has no {'search/jql' if self.cloud else 'search'} endpoint "
                f"(HTTP {status}): it is not Jira {self.config.deployment.title()}",
                where=f"{where}.deployment",
                fix='Set deployment = "server" for Jira Server/Data Center, "cloud" for Cloud.',
            )
        return ConfigError(
            f"Jira refused the search {jql!r}: {error.text}",
            where=f"{where}.{'jql' if self.config.jql else 'projects'}",
            fix="Correct the scope so that the JQL runs in Jira's issue search.",
        )

    def _search(
        self,
        jql: str,
        fields: list[str],
        expand: str | None,
        size: int,
        token: str | None,
        start: int,
    ) -> dict[str, Any]:
        """One page: Cloud's search/jql by token, or Server/DC's search by startAt."""
        common: dict[str, Any] = {
            "maxResults": size,
            "fields": list(fields),  # the client rewrites the list it is given
            "expand": expand,
            "json_result": True,
        }
        if self.cloud:
            return self.client.enhanced_search_issues(jql, nextPageToken=token, **common)
        return self.client.search_issues(jql, startAt=start, **common)

    def _measured(self) -> list[str]:
        """The field ids whose history holds measurements (none when none is mapped)."""
        measure = self.mapping.measurements
        fid = self.field_id(measure.field) if measure is not None else None
        return [fid] if fid else []

    def _inline(
        self,
        indicators: list[dict[str, Any]],
        known: Mapping[str, Any],
        measured: list[str],
        counts: Counter[str],
        shared: Shared,
    ) -> list[dict[str, Any]]:
        """Cloud: the changed indicators whose history as last read is long (`long_held`), a
        page of them at most, take their new histories from one search of them with their newest
        40 inlined, where those reach back (`inline_histories`); the ones it does not complete
        and the others are returned, for the bulk fetch. A site that refuses it (an issue
        deleted since the page) leaves them all to the bulk fetch."""
        # One page of keys at most: a JQL naming more would outgrow a GET's URL, and the bulk
        # fetch takes 1,000 issues a request.
        long = long_held(indicators, known)[: self.config.page_size]
        if not long:
            return indicators
        keys = ", ".join(jql_string(str(issue["key"])) for issue in long)
        inline: dict[str, Any] = {}
        try:
            for page in self._pages(f"key in ({keys})", ["updated"], "changelog", counts):
                inline.update((i["key"], i.get("changelog")) for i in page.get("issues") or ())
        except RdsyncError:
            return indicators
        rest = inline_histories(long, inline, known, measured, shared.text)
        counts["changelog_inline"] = len(long) - len(rest)
        done = {id(issue) for issue in long} - {id(issue) for issue in rest}
        return [issue for issue in indicators if id(issue) not in done]

    def _bulk_post(self) -> Any:
        """The bulk fetch, retried (sent from the fetching thread: `read` counts the calls)."""
        post = post_json(self.client._session, self.client._get_url("changelog/bulkfetch"))

        def fetch(what: str, body: dict[str, Any]) -> Any:
            return self.retry.call(f"{self.name}: {what}", post, body)

        return fetch

    def _complete_changelog(
        self, issue: dict[str, Any], counts: Counter[str], shared: Shared
    ) -> None:
        """Server/DC: replace an indicator's inline changelog by the whole one when search cut
        it short (its `total` there is the issue's)."""
        changelog = issue.get("changelog") or {}
        histories = changelog.get("histories") or []
        if int(changelog.get("total", len(histories))) <= len(histories):
            return
        if not self._is_indicator(issue):
            return
        key = issue["key"]
        counts["changelog_calls"] += 1
        whole = self.call(
            f"changelog {key}", self.client.issue, key, fields="updated", expand="changelog"
        )
        full = shared.page(whole.raw.get("changelog", {}).get("histories") or [])
        issue["changelog"] = {
            "startAt": 0,
            "maxResults": len(full),
            "total": len(full),
            "histories": full,
        }

    def _is_indicator(self, issue: dict[str, Any]) -> bool:
        entity = self.mapping.entities.get(EntityKind.INDICATOR)
        if entity is None or self.mapping.measurements is None:
            return False
        if entity.jql is not None and entity.issue_type is None and entity.label is None:
            return True  # selected by JQL only: the type cannot tell, so follow every issue
        fields = issue.get("fields") or {}
        issue_type = (fields.get("issuetype") or {}).get("name", "")
        return entity.matches(issue_type, list(fields.get("labels") or []))

    def scan_keys(self) -> set[str]:
        """Every key in scope, at up to 5,000 a page: what is missing was deleted or moved."""
        counts: Counter[str] = Counter()
        keys: set[str] = set()
        for page in self._pages(f"{self.scope_jql} ORDER BY key ASC", ["key"], None, counts):
            keys.update(issue["key"] for issue in page.get("issues") or () if "key" in issue)
        return keys

    def map(self, records: dict[str, Any]) -> MappedRecords:
        """The mapped entities and measurements of these raw issues.

        What mapping builds lives on (10,000 issues: some 100,000 objects) and holds no
        cycles: frozen before the collector runs again, as a read's pages are, the first
        collection after it does not walk it all (some 30 ms at 10,000 issues). A few
        records (a daemon's changed ones, or one at a time to find a culprit) are mapped
        as they are: inside a run, each freezing ends in a collection of its own."""
        if len(records) < ROWS:
            return self._map(records)
        with frozen_pages() as settle:  # map_jira pauses the collector while it maps
            mapped = self._map(records)
            settle()
        return mapped

    def _map(self, records: dict[str, Any]) -> MappedRecords:
        page = {"issues": list(records.values())}
        names, url = self.names, self.site_url
        return map_jira([page], self.mapping, self.name, field_names=names, site_url=url)

    def map_fingerprint(self) -> str:
        """What mapping an issue reads besides the issue: each issue maps alone, so a run may
        keep an unchanged issue's mapping while this stays the same."""
        mapping = self.mapping.model_dump_json()
        said = (self.name, self.site_url, mapping, sorted(self.names.items()))
        return hashlib.blake2b(repr(said).encode(), digest_size=16).hexdigest()

    # -- writing --------------------------------------------------------------------------

    def current_values(self, records: dict[str, Any]) -> dict[str, CurrentValues]:
        """What each issue's write-back fields hold now, raw (ADF, option objects)."""
        current = {}
        for key, issue in records.items():
            fields = issue.get("fields") or {}
            values = {role: fields.get(fid) for role, fid in self.field_ids.items()}
            current[key] = CurrentValues(**values)
        return current

    def field_names(self) -> dict[Role, str]:
        """Write-back role -> the field's name on the site, for the roles it has."""
        return {role: self.names[fid] for role, fid in self.field_ids.items()}

    def batches(self, patches: list[Patch]) -> Iterator[list[Patch]]:
        """Ten issues at a time (each its own edit request): a stop is checked between."""
        for start in range(0, len(patches), BATCH):
            yield patches[start : start + BATCH]

    def apply(self, patches: list[Patch], outage: Outage | None = None) -> ApplyResult:
        """Send the patches; a record the site refuses is reported and the rest go on."""
        writer = JiraWriter(self, self.config, self.writeback)
        return writer.apply(patches, outage)

    def restore(self, raw: Any) -> Any:
        """An issue as the state store kept it: as `read` returns it (a row an earlier rdsync
        stored with its documents is held as text once the source knows its fields)."""
        if isinstance(raw, dict) and isinstance(raw.get("fields"), dict):
            owned_texts(raw["fields"], self.owned_ids, None)
        return raw

    def planned_comment(self, patch: Patch) -> tuple[str, str] | None:
        """(token, text) of the comment `apply` will add for this patch, if it adds one."""
        if patch.comment is None or not self.writeback.comment_on_change:
            return None
        return comment_token(patch), patch.comment

    def settle_comment(self, key: str, comment: str, token: str) -> str:
        """Make sure an earlier run's comment is on the issue, once: "done", "pending" (try
        again next run) or "failed" (refused)."""
        return JiraWriter(self, self.config, self.writeback).settle(key, comment, token)


def jql_string(value: str) -> str:
    """A JQL string literal: a quote or backslash in the value is escaped, so that a value
    can never end the string and add clauses of its own."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class _Dropped(Exception):
    """A page the caller no longer wants: never asked for again."""


def _wanted_after(since: datetime | None, page: dict[str, Any]) -> bool:
    """Whether the read goes on past this page: always, unless it reads newest first down to
    `since` and the page's last issue is already older (then `_take` stops in this page)."""
    issues = page.get("issues") or []
    if since is None or not issues:
        return True
    updated = _stamp(str((issues[-1].get("fields") or {}).get("updated") or ""))
    return updated is None or updated >= since


def _stamp(text: str) -> Any:
    try:
        return read_datetime(text) if text else None
    except ReadError:
        return None
