"""What `rdsync mapping check` tells of the Jira account rdsync signs in with: what it may do in
each project of the scope (`GET mypermissions`) and what that means for a sync."""

from __future__ import annotations

from connector.config import JiraSourceConfig, WritebackConfig
from connector.mapping_tools.problems import Problem
from connector.sources.jira import JiraSource
from connector.sources.jira_account import abilities, my_permissions

KEY = "account"


def account_lines(
    source: JiraSource, config: JiraSourceConfig, writeback: WritebackConfig
) -> tuple[list[str], list[Problem]]:
    """One line a project (or one for the whole site, for a JQL scope) of what the account
    may and may not do, and the problems (or notes) that follow from it."""
    lines: list[str] = []
    problems: list[Problem] = []
    scope: list[str | None] = list(config.projects) or [None]
    for project in scope:
        held = my_permissions(source, project)
        where = f"project {project}" if project else "the site"
        if held is None:
            lines.append(f"account: the site did not say what it may do in {where}")
            continue
        can = abilities(held)
        lines.append(f"account {source.account_name!r} in {where}: " + _told(can))
        problems += _consequences(can, where, config, writeback)
    return lines, problems


def _told(can: dict[str, tuple[bool, str]]) -> str:
    may = [what for what, (yes, _grant) in can.items() if yes]
    may_not = [f"{what} (needs {grant})" for what, (yes, grant) in can.items() if not yes]
    text = f"may {', '.join(may)}" if may else "may do nothing rdsync needs"
    return text + (f"; may not {', '.join(may_not)}" if may_not else "")


def _consequences(
    can: dict[str, tuple[bool, str]],
    where: str,
    config: JiraSourceConfig,
    writeback: WritebackConfig,
) -> list[Problem]:
    needed = {
        "read issues": True,
        "write ratings": writeback.enabled,
        "comment": writeback.enabled and writeback.comment_on_change,
    }
    out = [
        Problem(KEY, f"may not {what} in {where}", f"grant the account {can[what][1]} there")
        for what, need in needed.items()
        if need and not can[what][0]
    ]
    quiet = can["skip notifications"][0]
    if writeback.enabled and not quiet and config.notifications != "send":
        strict = config.notifications == "suppress"
        then = "Jira refuses every edit" if strict else "Jira e-mails watchers of each edit"
        message = f"may not skip notifications in {where}: {then}"
        setting = "auto" if strict else "send"
        fix = f'grant it Administer Projects, or set notifications = "{setting}"'
        out.append(Problem(KEY, message, fix, note=not strict))
    return out
