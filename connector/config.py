"""The rdsync config file: one pydantic tree, unknown keys rejected, secrets resolved at load."""

from __future__ import annotations

import base64
import functools
import logging
import os
import re
import string
import zoneinfo
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, Self

from pydantic import (
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from mappings.config import BUNDLED
from mappings.errors import ConfigError
from mappings.model import Strict
from mappings.toml_file import parse_toml, read_text
from mappings.validation import Problem, config_error
from rules.config import RulesConfig
from rules.likelihood_config import LikelihoodConfig

log = logging.getLogger("rdsync.config")

# Keys that would put a secret into the TOML file; refused with advice instead of "unknown key".
SECRET_KEYS = ("token", "api_token", "api_key", "password", "secret", "pat")


class _SourceBase(Strict):
    token_env: str | None = Field(None, description="environment variable holding the token")
    token_file: Path | None = Field(None, description="file holding the token (first line)")
    mapping: str = Field(
        description='"jira", "jira-dc", "airtable" (the bundled mappings) or a TOML path'
    )
    timeout_seconds: float = Field(30.0, gt=0, le=600)
    overlap_seconds: int = Field(300, ge=0, le=86_400)

    _token: SecretStr | None = PrivateAttr(None)

    @property
    def token(self) -> SecretStr:
        """The resolved secret; `load_config` (or `with_token`) sets it before any call."""
        if self._token is None:
            raise ConfigError(
                "the source's token was never resolved",
                where="token_env",
                fix="Load the config with load_config(), or call with_token() in code.",
            )
        return self._token

    def with_token(self, token: str) -> Self:
        """A copy holding `token` as its secret (for code that builds configs, e.g. the demo)."""
        problem = token_problem(token)
        if problem:
            raise ConfigError(
                f"the token given has {problem}",
                where="with_token()",
                fix="Pass the token alone, with no whitespace or control characters.",
            )
        copy = self.model_copy()
        copy._token = SecretStr(token)
        remember_secret(token, getattr(self, "email", None))
        return copy


class WorkScope(Strict):
    """`[sources.<name>.work]`: the wider scope of all the work in the tool (every epic of the
    department's projects, say), read with keys and these few fields only and never written,
    to show the CRDO how much of it serves no priority."""

    jql: str | None = Field(None, description="Jira: the JQL of all work")
    table: str | None = Field(None, description="Airtable: the table of all work")
    view: str | None = Field(None, description="Airtable: a view of that table")
    name: str | None = Field(None, description="the name field (Jira: summary; Airtable: Name)")
    department: str | None = Field("Department", description="the department field")
    team: str | None = Field(None, description="the field naming the team")
    effort: str | None = Field(None, description="a number field of effort (points, days)")
    links: list[str] = Field(
        default_factory=list,
        description="Airtable: linked-record fields naming what an item serves (Jira reads "
        "the parent and every issue link)",
    )

    def problem(self, tool: str) -> str | None:
        """Why this scope does not fit a source of `tool`, or None."""
        if tool == "jira" and (not self.jql or self.table or self.view or self.links):
            return "a Jira source's work scope is a jql (no table, view or links)"
        if tool == "airtable" and (not self.table or self.jql):
            return "an Airtable source's work scope is a table (and a view), not a jql"
        if self.jql and re.search(r"\border\s+by\b", self.jql, re.IGNORECASE):
            return "work.jql must not have ORDER BY: rdsync orders by key itself"
        return None


class JiraSourceConfig(_SourceBase):
    """`[sources.<name>]` with `type = "jira"`: a Jira Cloud site or a Server/Data Center one."""

    type: Literal["jira"]
    url: str = Field(
        description="the site, e.g. https://example.atlassian.net; scoped API tokens and service "
        "accounts: https://api.atlassian.com/ex/jira/<cloudId>"
    )
    site_url: str | None = Field(
        None,
        description="where people open issues (links in findings and reports); default: the "
        "site Jira names, else url",
    )
    deployment: Literal["cloud", "server"] = "cloud"
    auth: Literal["token", "pat"] = Field(
        "token", description="token: email + API token (Basic); pat: personal access token"
    )
    email: str | None = None
    projects: list[Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]+$")]] = Field(
        default_factory=list
    )
    jql: str | None = None
    work: WorkScope | None = Field(None, description="all work, to see what serves no priority")
    mapping: str = "jira"
    page_size: int = Field(100, ge=1, le=100)
    verify_tls: bool = True
    notifications: Literal["auto", "suppress", "send"] = Field(
        "auto",
        description="watchers' e-mails on rdsync's edits: auto suppresses them where the account "
        "may (Administer Projects or Administer Jira), suppress always (edits fail where it may "
        "not), send never",
    )
    requests_per_second: float | None = Field(
        None,
        gt=0,
        le=1000,
        description="pace the site's requests (all its sources, in every process and worker "
        "together); default: not paced, a 429 still holds every one back for Jira's wait",
    )
    deletions: Literal["every_sync", "full_sync"] = Field(
        "every_sync",
        description="when issues that left the scope are found: in every sync (a count of the "
        "scope, on Cloud one call more, and a key scan only when the count differs), or in "
        "the daily full sync (a no-change sync is then one search)",
    )

    @field_validator("url", "site_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError(f"{value!r} is not a site URL; write it as https://<site>")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.auth == "token" and not self.email:
            raise ValueError('auth = "token" signs in with email + API token: set email')
        if self.auth == "pat" and is_cloud_url(self.url):
            raise ValueError(
                f"{self.url} is Jira Cloud, which has no personal access tokens: set auth = "
                '"token" and email, with an API token (a scoped token or a service account\'s: '
                "url = https://api.atlassian.com/ex/jira/<cloudId>)"
            )
        if bool(self.projects) == bool(self.jql):
            raise ValueError("set exactly one of projects = [...] or jql = '...' as the scope")
        if self.jql and re.search(r"\border\s+by\b", self.jql, re.IGNORECASE):
            raise ValueError("jql must not have ORDER BY: rdsync orders by updated itself")
        if self.work is not None and self.work.problem("jira"):
            raise ValueError(self.work.problem("jira"))
        return self

    @property
    def scope_jql(self) -> str:
        """The scope as a JQL clause, parenthesised so that rdsync can AND its cursor to it."""
        if self.jql:
            return f"({self.jql})"
        return f"project in ({', '.join(self.projects)})"


def is_cloud_url(url: str) -> bool:
    """A Jira Cloud site (*.atlassian.net) or Atlassian's gateway (api.atlassian.com/ex/jira)."""
    host = re.sub(r"^https?://", "", url).split("/", 1)[0].split(":", 1)[0].casefold()
    return host.endswith(".atlassian.net") or url_is_gateway(url)


def url_is_gateway(url: str) -> bool:
    """The gateway form, https://api.atlassian.com/ex/jira/<cloudId>: how scoped tokens and
    service accounts reach a Cloud site (matched by its path, as a proxy may front it)."""
    return re.match(r"^https?://[^/]+/ex/jira/[^/]+$", url, re.IGNORECASE) is not None


class AirtableSourceConfig(_SourceBase):
    """`[sources.<name>]` with `type = "airtable"`: one base; its tables come from the mapping."""

    type: Literal["airtable"]
    base: str = Field(pattern=r"^app[A-Za-z0-9]{3,}$", description="the base id, app...")
    mapping: str = "airtable"
    endpoint_url: str = Field(
        "https://api.airtable.com", description="another host, e.g. a sandbox"
    )
    requests_per_second: float = Field(5.0, gt=0, le=50, description="per base; Airtable allows 5")
    token_requests_per_second: float = Field(
        50.0, gt=0, le=50, description="per token, across all bases; Airtable allows 50"
    )
    penalty_seconds: float = Field(
        30.0, ge=0, le=300, description="Airtable refuses every request this long after a 429"
    )
    overlap_seconds: int = Field(60, ge=0, le=86_400)
    deletions: Literal["full_sync", "every_sync"] = Field(
        "full_sync",
        description="when deleted records are found: in the daily full sync (no extra calls), "
        "or by a scan of every table's ids in every sync (a call a table, and more per page)",
    )
    time_zone: str | None = Field(
        None,
        description="the base's time zone (e.g. Australia/Sydney): the date of a date-time "
        "field whose timeZone is 'client' (a field with its own zone reads in that one)",
    )
    monthly_call_budget: int | None = Field(
        None, ge=1, description="API calls this source may make a calendar month (UTC)"
    )
    budget_warn_share: float = Field(
        0.8, gt=0, le=1, description="warn once the month's calls pass this share of the budget"
    )
    over_budget: bool = Field(False, description="run on past monthly_call_budget (warning)")
    work: WorkScope | None = Field(None, description="all work, to see what serves no priority")

    @model_validator(mode="after")
    def _work_fits(self) -> Self:
        if self.work is not None and self.work.problem("airtable"):
            raise ValueError(self.work.problem("airtable"))
        return self

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None and value not in _zones():
            raise ValueError(f"{value!r} is not a time zone; write it as e.g. Australia/Sydney")
        return value


@functools.cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


Source = Annotated[JiraSourceConfig | AirtableSourceConfig, Field(discriminator="type")]


class WritebackConfig(Strict):
    """`[writeback]`: whether and how ratings go back to the tools."""

    enabled: bool = True
    comment_on_change: bool = Field(True, description="comment when the likelihood label changes")
    jira_text_limit: int = Field(32_767, ge=200, le=32_767, description="Jira paragraph limit")
    airtable_text_limit: int = Field(100_000, ge=200, le=100_000, description="long text limit")


class RetryConfig(Strict):
    """`[retry]`: the one retry policy for both tools."""

    budget_seconds: float = Field(120.0, gt=0, le=3600, description="give up on a call after")
    max_wait_seconds: float = Field(60.0, gt=0, le=600, description="longest single wait")
    initial_wait_seconds: float = Field(0.5, gt=0, le=60, description="first backoff step")


class SyncConfig(Strict):
    """`[sync]`: what stops a run before it writes."""

    max_gone_share: float = Field(
        0.2,
        ge=0,
        le=1,
        description="stop before writing when more than this share of a source's records "
        "would be gone (an edited JQL, an archived project); 1 turns the check off",
    )


DEFAULT_STATE_PATH = Path("rdsync-state.sqlite")


class StateConfig(Strict):
    """`[state]`: where the state store lives (relative paths: from the config file's folder)."""

    path: Path = Field(
        DEFAULT_STATE_PATH, description="the SQLite state store (the embedded default)"
    )
    url: str | None = Field(
        None,
        description="a PostgreSQL state store instead, postgresql://user@host:port/database "
        "(docs/state.md); its password from password_env, never in the URL",
    )
    password_env: str | None = Field(
        None,
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
        description="environment variable holding the PostgreSQL password (with url)",
    )
    health_file: Path | None = Field(
        None, description="written after every successful run (default: <path>.health)"
    )
    retention: bool = Field(
        True,
        description="after each run, drop what no report, RD403, explain or pending write "
        "needs (docs/state.md); off: every run is kept whole",
    )
    keep_runs: int = Field(
        4, ge=2, le=10_000, description="the newest runs kept whole by retention"
    )

    _password: SecretStr | None = PrivateAttr(None)

    @field_validator("url")
    @classmethod
    def _postgres_url(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        if not re.match(r"^postgres(ql)?://[^\s]*$", value):
            raise ValueError(
                f"{value!r} is not a PostgreSQL URL; write postgresql://user@host:port/database"
            )
        if _url_password(value):
            raise ValueError(
                "the URL carries a password, and secrets are never read from the config file: "
                "remove it from the URL and name the environment variable holding it in "
                "[state] password_env"
            )
        if info.data.get("path", DEFAULT_STATE_PATH) != DEFAULT_STATE_PATH:
            raise ValueError(
                "[state] url and [state] path name two state stores: keep url (PostgreSQL) "
                "and remove path, or remove url to keep the SQLite file"
            )
        return value

    @model_validator(mode="after")
    def _password_with_url(self) -> Self:
        if self.password_env is not None and self.url is None:
            raise ValueError("[state] password_env is the PostgreSQL password: set url too")
        return self

    @property
    def password(self) -> str | None:
        """The PostgreSQL password `load_config` read from `password_env` (None: none)."""
        return None if self._password is None else self._password.get_secret_value()


def _url_password(url: str) -> bool:
    """Whether a postgresql:// URL carries a password: user:password@ in any of its hosts'
    user part, or a password= parameter (libpq reads both)."""
    rest = url.split("://", 1)[1]
    authority, _, query = rest.partition("?")
    authority = authority.split("/", 1)[0]
    user, at, _ = authority.rpartition("@")
    in_user = bool(at) and ":" in user
    in_query = any(p.split("=", 1)[0] == "password" for p in query.split("&") if p)
    return in_user or in_query


class WorkersConfig(Strict):
    """`[workers]`: `rdsync run` defers one job per source and `rdsync worker` runs them, on as
    many machines as wanted, through a job queue in PostgreSQL (docs/deploy.md)."""

    url: str | None = Field(
        None,
        pattern=r"^postgres(ql)?://",
        description="the PostgreSQL database of the job queue (procrastinate), e.g. "
        "postgresql://rdsync@db.example.org/rdsync (default: [state] url, with its password); "
        "the password from PGPASSWORD or ~/.pgpass, never in this file",
    )
    concurrency: int = Field(1, ge=1, le=64, description="jobs one `rdsync worker` runs at once")
    heartbeat_seconds: float = Field(
        10, gt=0, le=600, description="how often a worker tells the queue it is alive"
    )
    stalled_seconds: float = Field(
        30,
        gt=0,
        le=3600,
        description="a worker silent this long is taken for dead and its job given to another",
    )

    @model_validator(mode="after")
    def _no_password(self) -> Self:
        if self.url is not None and re.match(r"^postgres(ql)?://[^/@]*:[^/@]*@", self.url):
            raise ValueError(
                "a password in [workers] url would be in the config file and the logs: give it "
                "in PGPASSWORD or ~/.pgpass instead"
            )
        if self.stalled_seconds < 2 * self.heartbeat_seconds:
            raise ValueError(
                "stalled_seconds must be at least twice heartbeat_seconds, or a live worker "
                "that misses one beat is taken for dead"
            )
        return self


_CLOCK = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


class ScheduleConfig(Strict):
    """`[schedule]`: the daemon's cadence (`rdsync run`)."""

    sync_minutes: int = Field(15, ge=1, le=1440, description="an incremental sync every N minutes")
    full_at: str = Field("02:00", pattern=_CLOCK, description="daily full reconciliation, HH:MM")
    report_at: str = Field("06:00", pattern=_CLOCK, description="daily CRDO report, HH:MM")
    report_weekday: (
        Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] | None
    ) = Field(None, description="weekly instead of daily: the day the report is built")
    stocktake_weeks: int = Field(
        8, ge=1, le=52, description="each priority's stock take pack comes every N weeks"
    )
    assessment_days: int = Field(
        28,
        ge=1,
        le=366,
        description="the assessment period: RD403 and problem-solving levels compare a rating "
        "with the one this many days before",
    )


ReportFormat = Literal["html", "pdf", "xlsx", "json"]
REPORT_FORMATS: tuple[ReportFormat, ...] = ("html", "pdf", "xlsx", "json")


class ReportsConfig(Strict):
    """`[reports]`: where reports and stock take packs go, and in which formats."""

    out: Path = Field(Path("reports"), description="folder for reports and stock take packs")
    formats: list[ReportFormat] = Field(default_factory=lambda: list(REPORT_FORMATS))
    department: str | None = Field(None, description="only this department's priorities")
    pdf: Literal["print", "full"] = Field(
        "print",
        description="the PDF's edition: print (charts of the targets that need attention, every "
        "target's figures in a ledger) or full (the HTML edition, every chart)",
    )


class SmtpConfig(Strict):
    """`[routines.smtp]`: the mail server update requests and packs go out through."""

    host: str = Field(min_length=1, description="the SMTP server, e.g. smtp.example.gov")
    port: int = Field(587, ge=1, le=65_535)
    tls: Literal["starttls", "ssl", "none"] = Field(
        "starttls", description="starttls (port 587), ssl (implicit TLS, port 465), none"
    )
    sender: str = Field(pattern=r"^[^@\s]+@[^@\s]+$", description="the From address")
    username: str | None = Field(None, description="sign in as this user (with password_env)")
    password_env: str | None = Field(
        None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", description="environment variable: password"
    )
    timeout_seconds: float = Field(30.0, gt=0, le=600)

    _password: SecretStr | None = PrivateAttr(None)

    @property
    def password(self) -> str | None:
        return None if self._password is None else self._password.get_secret_value()


Channel = Literal["email", "comment"]
CHANNELS: tuple[Channel, ...] = ("email", "comment")
PackWay = Literal["attach", "email"]
PACK_WAYS: tuple[PackWay, ...] = ("attach", "email")


class RoutinesConfig(Strict):
    """`[routines]`: update requests before each stock take, and the pack delivered (Rule 7)."""

    lead_days: int = Field(
        5, ge=1, le=56, description="update requests go out this many days before a stock take"
    )
    channels: list[Channel] = Field(
        default_factory=lambda: list(CHANNELS),
        description="update requests: e-mail, and/or a comment mentioning the person on the "
        "priority's ticket or record",
    )
    pack: list[PackWay] = Field(
        default_factory=lambda: [PACK_WAYS[0]],
        description="the stock take pack: attached to the priority's ticket or record, and/or "
        "e-mailed to the attendees",
    )
    attachment_field: str = Field(
        "Stock take pack", min_length=1, description="Airtable: the priority's attachment field"
    )
    cc: list[Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+$")]] = Field(
        default_factory=list, description="copied on every e-mail (e.g. the delivery unit)"
    )
    people: dict[str, Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+$")]] = Field(
        default_factory=dict,
        description="person (accountId, collaborator id, username or name) -> e-mail address, "
        "for people whose address the tool does not show",
    )
    smtp: SmtpConfig | None = None

    @model_validator(mode="after")
    def _mail_needs_smtp(self) -> Self:
        if self.smtp is None and ("email" in self.channels or "email" in self.pack):
            raise ValueError(
                "e-mail is among channels or pack: add a [routines.smtp] table (host, sender), "
                'or drop "email"'
            )
        return self


class JiraDashboardConfig(Strict):
    """`[jira_dashboard]`: the saved filters and the dashboard `rdsync jira dashboard` keeps."""

    source: str | None = Field(
        None, description="the [sources.<name>] of the Jira site; default: the one Jira source"
    )
    name: str = Field(
        "rdsync: Results and Delivery", min_length=1, max_length=255, description="dashboard name"
    )
    filter_prefix: str = Field(
        "rdsync: ", max_length=100, description="the start of every saved filter's name"
    )
    share_group: str = Field(
        min_length=1, description="the Jira group the filters and the dashboard are shared with"
    )
    rows: str = Field(
        "issuetype",
        pattern=r"^(issuetype|priorities|statuses|assignees|project|customfield_[0-9]+)$",
        description="the rows of the two-dimensional statistic against the Delivery likelihood: "
        "issuetype (the level: its Priority row is the priorities), or a field (customfield_N)",
    )


class Config(Strict):
    """The whole rdsync config file."""

    sources: dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]*$")], Source] = Field(
        default_factory=dict
    )
    rules: RulesConfig = Field(default_factory=RulesConfig)
    likelihood: LikelihoodConfig = Field(default_factory=LikelihoodConfig)
    writeback: WritebackConfig = Field(default_factory=WritebackConfig)
    retry: RetryConfig = Field(default_factory=RetryConfig)
    sync: SyncConfig = Field(default_factory=SyncConfig)
    state: StateConfig = Field(default_factory=StateConfig)
    schedule: ScheduleConfig = Field(default_factory=ScheduleConfig)
    reports: ReportsConfig = Field(default_factory=ReportsConfig)
    routines: RoutinesConfig | None = None  # no [routines] table: no update requests sent
    jira_dashboard: JiraDashboardConfig | None = None
    workers: WorkersConfig | None = None  # no [workers] table: `rdsync run` syncs by itself

    _base_dir: Path = PrivateAttr(default_factory=Path.cwd)

    @model_validator(mode="after")
    def _one_source_per_ticket(self) -> Self:
        """Two sources of one Jira site must not both read a project: each ticket would be
        read, rated and written twice. (Overlaps a JQL hides are found at run time: RD904.)"""
        seen: dict[tuple[str, str], str] = {}
        for name, source in self.sources.items():
            if not isinstance(source, JiraSourceConfig):
                continue
            for project in source.projects:
                first = seen.setdefault((source.url.casefold(), project), name)
                if first != name:
                    raise ValueError(
                        f"sources.{first} and sources.{name} both read project {project} on "
                        f"{source.url}: each ticket must be in one source's scope; drop it "
                        "from one of them"
                    )
        return self

    @model_validator(mode="after")
    def _queue_database(self) -> Self:
        """Workers need a PostgreSQL database for their queue: their own, or the state's."""
        if self.workers is not None and self.workers.url is None and self.state.url is None:
            raise ValueError(
                "[workers] needs the PostgreSQL database of its job queue: set workers.url, "
                "or keep the state there ([state] url), which the queue then shares"
            )
        return self

    @model_validator(mode="after")
    def _lead_within_cycle(self) -> Self:
        """Requests sent further ahead than the cycle would land before the last stock take."""
        cycle = 7 * self.schedule.stocktake_weeks
        if self.routines is not None and self.routines.lead_days >= cycle:
            raise ValueError(
                f"routines.lead_days ({self.routines.lead_days}) must be shorter than the stock "
                f"take cycle ([schedule] stocktake_weeks = {self.schedule.stocktake_weeks}: "
                f"{cycle} days)"
            )
        return self

    @model_validator(mode="after")
    def _dashboard_source(self) -> Self:
        """`[jira_dashboard]` names a Jira source, or there is exactly one to take."""
        wanted = self.jira_dashboard.source if self.jira_dashboard else None
        if wanted is not None and not isinstance(self.sources.get(wanted), JiraSourceConfig):
            jira = [n for n, s in self.sources.items() if isinstance(s, JiraSourceConfig)]
            raise ValueError(
                f"jira_dashboard.source = {wanted!r} is not a Jira source; Jira sources: "
                f"{', '.join(jira) or 'none'}"
            )
        return self

    def resolve(self, path: Path) -> Path:
        """A path from the config, relative to the config file's folder."""
        return path if path.is_absolute() else self._base_dir / path

    def mapping_path(self, source: JiraSourceConfig | AirtableSourceConfig) -> str:
        """A source's mapping: a bundled name, or a path resolved from the config's folder."""
        if source.mapping in BUNDLED:
            return source.mapping
        return str(self.resolve(Path(source.mapping)))

    @property
    def state_path(self) -> Path:
        return self.resolve(self.state.path)

    @property
    def health_path(self) -> Path:
        if self.state.health_file is not None:
            return self.resolve(self.state.health_file)
        return self.state_path.with_name(self.state_path.name + ".health")

    def source(self, name: str) -> JiraSourceConfig | AirtableSourceConfig:
        if name not in self.sources:
            known = ", ".join(self.sources) or "none"
            raise ConfigError(
                f"no source named {name!r}; configured: {known}",
                where=f"sources.{name}",
                fix=f"Add a [sources.{name}] table, or use one of the configured names.",
            )
        return self.sources[name]


class AuthRefused(ConfigError):
    """The tool refused the configured token; `where` is the config key the token came from."""


def token_place(name: str, source: JiraSourceConfig | AirtableSourceConfig) -> tuple[str, str]:
    """(config key, human place) of a source's token, e.g. ("sources.jira.token_env", "$X")."""
    if source.token_env or not source.token_file:
        variable = source.token_env or default_token_env(name)
        return f"sources.{name}.token_env", f"environment variable {variable}"
    return f"sources.{name}.token_file", f"file {source.token_file}"


def refused(
    name: str, source: JiraSourceConfig | AirtableSourceConfig, status: int | None
) -> AuthRefused:
    """The error for a 401/403 on signing in: it names the token's config key and place."""
    key, place = token_place(name, source)
    tool = "Jira" if isinstance(source, JiraSourceConfig) else "Airtable"
    if status == 403:
        fix = (
            f"The token from {place} is valid but its account may not read this scope: grant "
            f"it access (Jira: Browse projects and Edit issues; Airtable: the base and the "
            f"data.records:read/write and schema.bases:read scopes)."
        )
    else:
        account = (
            f" and that sources.{name}.email is its account"
            if isinstance(source, JiraSourceConfig) and source.auth == "token"
            else ""
        )
        fix = f"Check that the token in {place} is current{account}; make a new one if not."
    return AuthRefused(f"{tool} refused the token (HTTP {status})", where=key, fix=fix)


# -- loading ------------------------------------------------------------------------------


def load_config(path: Path | str, env: Mapping[str, str] | None = None) -> Config:
    """Read, validate and resolve the secrets of a config file, before any network call.

    Every problem is a ConfigError whose `where` is `<file>: <key.path>`.
    """
    path = Path(path)
    text = read_text(
        path,
        what="the config file",
        missing="the config file does not exist",
        missing_fix="Create it (README.md shows one), or pass the right path with --config.",
    )
    data = parse_toml(text, str(path), what="the config file")
    _refuse_inline_secrets(path, data)
    try:
        config = Config.model_validate(data)
    except ValidationError as error:
        raise config_error(error, Config, str(path), what="the config file", fix=_fix) from None
    config._base_dir = path.resolve().parent
    env = os.environ if env is None else env
    _resolve_smtp_password(path, config, env)
    _resolve_state_password(path, config, env)
    for name, source in config.sources.items():
        _resolve_secret(path, name, source, env)
        if isinstance(source, JiraSourceConfig) and not source.verify_tls:
            log.warning(
                "%s: sources.%s.verify_tls = false: TLS certificates of %s are not checked",
                path,
                name,
                source.url,
            )
    return config


def _resolve_smtp_password(path: Path, config: Config, env: Mapping[str, str]) -> None:
    """The SMTP password from the environment variable `password_env` names; a miss stops the
    load before anything is sent (never a half-configured mailer)."""
    smtp = config.routines.smtp if config.routines is not None else None
    if smtp is None or smtp.password_env is None:
        return
    value = _env_password(
        env,
        smtp.password_env,
        what="SMTP",
        where=f"{path}: routines.smtp.password_env",
        fix=f"Export {smtp.password_env} with the mail account's password, or remove "
        "password_env for a server that takes mail without signing in.",
    )
    smtp._password = SecretStr(value)
    remember_secret(value, smtp.username)


def _resolve_state_password(path: Path, config: Config, env: Mapping[str, str]) -> None:
    """The PostgreSQL state store's password from the variable `[state] password_env` names;
    an unset one stops the load (no attempt to sign in without it)."""
    state = config.state
    if state.password_env is None:
        return
    value = _env_password(
        env,
        state.password_env,
        what="PostgreSQL",
        where=f"{path}: state.password_env",
        fix=f"Export {state.password_env} with the database user's password, or remove "
        "password_env for a server that signs this user in without one (a .pgpass file, "
        "peer or certificate authentication).",
    )
    state._password = SecretStr(value)
    remember_secret(value)


def _env_password(env: Mapping[str, str], variable: str, *, what: str, where: str, fix: str) -> str:
    """A password from the environment variable a `password_env` key names; unset or empty
    stops the load, naming the key."""
    value = env.get(variable, "")
    if not value:
        state = "empty" if variable in env else "unset"
        raise ConfigError(
            f"no {what} password: environment variable {variable} is {state}",
            where=where,
            fix=fix,
        )
    return value


def _refuse_inline_secrets(path: Path, data: dict[str, Any]) -> None:
    routines = data.get("routines")
    tables = {  # the tables whose password comes from the variable password_env names
        "routines.smtp": routines.get("smtp") if isinstance(routines, dict) else None,
        "state": data.get("state"),
    }
    for where, table in tables.items():
        for key in SECRET_KEYS if isinstance(table, dict) else ():
            if key in table:  # type: ignore[operator]
                raise ConfigError(
                    "secrets are never read from the config file",
                    where=f"{path}: {where}.{key}",
                    fix=f"Remove {key}; name the environment variable holding it in password_env.",
                )
    sources = data.get("sources")
    if not isinstance(sources, dict):
        return
    for name, table in sources.items():
        for key in SECRET_KEYS:
            if isinstance(table, dict) and key in table:
                raise ConfigError(
                    "secrets are never read from the config file",
                    where=f"{path}: sources.{name}.{key}",
                    fix=f"Remove {key}; put the secret in an environment variable named by "
                    f"token_env, or in a file named by token_file.",
                )


def default_token_env(name: str) -> str:
    """The environment variable looked in when a source names neither token_env nor token_file."""
    return "RDSYNC_" + re.sub(r"[^A-Z0-9]", "_", name.upper()) + "_TOKEN"


def _resolve_secret(
    path: Path, name: str, source: JiraSourceConfig | AirtableSourceConfig, env: Mapping[str, str]
) -> None:
    """Find the token (env var first, then file); a miss names every place it looked."""
    looked: list[str] = []
    variable = source.token_env or (None if source.token_file else default_token_env(name))
    if variable:
        value = env.get(variable, "").strip()
        if value:
            _keep_token(
                source,
                value,
                f"environment variable {variable}",
                f"{path}: sources.{name}.token_env",
            )
            return
        looked.append(
            f"environment variable {variable} ({'empty' if variable in env else 'unset'})"
        )
    if source.token_file:
        file = (
            source.token_file
            if source.token_file.is_absolute()
            else path.parent / source.token_file
        )
        try:  # the first line; not splitlines(), which would cut at a stray CR inside it
            value = file.read_bytes().decode("utf-8").strip().split("\n", 1)[0].strip()
        except FileNotFoundError:
            looked.append(f"file {file} (not found)")
        except UnicodeDecodeError:  # its text would quote the token's bytes
            looked.append(f"file {file} (not UTF-8 text)")
        except OSError as error:
            looked.append(f"file {file} ({error.strerror or error})")
        else:
            if value:
                _keep_token(source, value, f"file {file}", f"{path}: sources.{name}.token_file")
                return
            looked.append(f"file {file} (empty)")
    key = "token_env" if source.token_env or not source.token_file else "token_file"
    raise ConfigError(
        f"no token for source {name!r}; looked in: {'; '.join(looked)}",
        where=f"{path}: sources.{name}.{key}",
        fix=f"Export {variable or 'the variable'} or write the token into the file, or point "
        f"sources.{name}.token_env / token_file at where it is.",
    )


def _keep_token(
    source: JiraSourceConfig | AirtableSourceConfig, value: str, place: str, where: str
) -> None:
    """Set a source's token, refusing one no HTTP header could carry (and naming its place,
    never its value: a token with a line break in it would otherwise end up in an error)."""
    problem = token_problem(value)
    if problem:
        raise ConfigError(
            f"the token in {place} has {problem}",
            where=where,
            fix="Put the token alone there, on one line: copy it again from the tool's API "
            "token page.",
        )
    source._token = SecretStr(value)
    remember_secret(value, getattr(source, "email", None))


def token_problem(token: str) -> str | None:
    """What makes a token unusable, or None: every API token is visible ASCII, in one piece."""
    for index, char in enumerate(token, start=1):
        if char in "\r\n":
            return f"a line break in it (character {index})"
        if char.isspace():
            return f"whitespace in it (character {index})"
        if not " " < char < "\x7f":
            kind = (
                "a control character" if char < " " or char == "\x7f" else "a non-ASCII character"
            )
            return f"{kind} in it (character {index})"
    return None


# -- secrets out of every text rdsync writes ------------------------------------------------

_SECRETS: set[str] = set()  # every form of every token resolved in this process


def remember_secret(token: str, email: str | None = None) -> None:
    """Learn the forms a token travels in, so that `redact` finds each: as is, URL-quoted,
    escaped as Python shows it, base64 alone and as Basic `email:token`."""
    forms = {token, _quoted(token, ""), _quoted(token, "/"), repr(token)[1:-1]}
    forms.add(base64.b64encode(token.encode()).decode())
    if email:
        forms.add(base64.b64encode(f"{email}:{token}".encode()).decode())
    _SECRETS.update(form for form in forms if len(form) >= 6)  # never a word's worth


def _quoted(token: str, safe: str) -> str:
    """`urllib.parse.quote(token, safe)` for a token (visible ASCII, checked at load); this
    room does not import the HTTP side of the standard library."""
    keep = string.ascii_letters + string.digits + "_.-~" + safe
    return "".join(c if c in keep else f"%{ord(c):02X}" for c in token)


def redact(text: str) -> str:
    """`text` with every form of every known token replaced by [token]."""
    for form in sorted(_SECRETS, key=len, reverse=True):
        text = text.replace(form, "[token]")
    return text


def _fix(problem: Problem) -> str:
    """The fix of one problem of the config file, by its kind."""
    if problem.kind == "extra_forbidden":
        return "Remove the key or correct its spelling."
    if problem.kind in ("union_tag_invalid", "union_tag_not_found"):
        return 'Set type = "jira" or type = "airtable" in that source table.'
    if problem.kind == "missing":
        return "Add it; README.md shows an example config."
    return "Correct the value; README.md lists every key with its default."
