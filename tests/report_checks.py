"""What every rendered pack must satisfy: its sections, escaping, and no request off the page."""

from __future__ import annotations

import re
from html.parser import HTMLParser

# (anchor id, heading) of each section of the CRDO report, in order.
REPORT_SECTIONS = (
    ("cover", "CRDO compliance report"),
    ("summary", "Executive summary"),
    ("review", "Architecture review"),
    ("heatmap", "Heat map"),
    ("findings", "Findings"),
    ("trajectories", "Trajectories"),
    ("problems", "Problem solving"),
    ("quality", "Data quality"),
    ("appendix", "All findings and how to fix them"),
)
REPORT_SUBSECTIONS = (
    "Likelihood of delivery",
    "Needs a decision",
    "What changed since",
    "Agreed at the stock take",
    "By rule",
    "By accountable leader",
    "Rubric gaps per plan",
)
STOCKTAKE_SECTIONS = (
    ("shared", "Shared view of progress"),
    ("deep-dives", "Deep dives"),
    ("next-steps", "Next steps"),
)
URL_ATTRIBUTES = {"src", "href", "xlink:href", "action", "poster", "data", "srcset", "background"}
FETCHING_TAGS = {"link", "script", "iframe", "object", "embed", "base", "frame", "audio", "video"}
_URL = re.compile(r"url\(\s*['\"]?([^'\")]*)", re.IGNORECASE)


class Page(HTMLParser):
    """Every tag with its attributes, the text, and the CSS of a page."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.css: list[str] = []
        self._in_style = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        self.tags.append((tag, found))
        self._in_style = tag == "style"
        if "style" in found:
            self.css.append(found["style"])

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self._in_style = False

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        (self.css if self._in_style else self.text).append(data)

    def ids(self) -> set[str]:
        return {attrs["id"] for _, attrs in self.tags if "id" in attrs}


def off_page_references(html: str) -> list[str]:
    """Each tag, attribute or CSS url() that would make a browser fetch anything, and each link
    that is not to a web page (a key links to its ticket: that is fetched on a click only)."""
    page = Page(html)
    found = [f"<{tag}>" for tag, _ in page.tags if tag in FETCHING_TAGS]
    for tag, attrs in page.tags:
        for name, value in attrs.items():
            if tag == "a" and name == "href":
                # A link to a ticket is fetched only when a reader clicks it; any other scheme
                # (javascript:, file:) is flagged.
                if not value.strip().startswith(("#", "https://", "http://")):
                    found.append(f"<a href={value!r}>")
            elif name in URL_ATTRIBUTES and not value.strip().startswith(("#", "data:")):
                found.append(f"<{tag} {name}={value!r}>")
        if tag == "meta" and attrs.get("http-equiv", "").lower() == "refresh":
            found.append("<meta refresh>")
    for css in page.css:
        found += [f"url({u})" for u in _URL.findall(css) if not u.startswith(("#", "data:"))]
        found += [f"@import in {css[:40]!r}" for _ in re.findall(r"@import", css)]
    return found


def finding_said(appendix: str, finding: dict[str, str], field: str = "message") -> bool:
    """Whether the text of an appendix gives a finding's message (or fix): as it is, or as the
    text every finding of its rule shares, its key written "this item", said once above the
    rule's items ("Finding, for each: This item has no accountable owner"), with the finding's
    key listed."""
    text, key = finding[field], finding["key"]
    if text in appendix:
        return True
    label = "Finding" if field == "message" else "Fix"
    shared = keyless(text, key)
    return f"{label}, for each: {shared}" in appendix and key in appendix


def keyless(text: str, key: str) -> str:
    """`text` with `key` (as a whole word) written "this item" ("This item" to begin it), as a
    rule's shared text says it."""
    said = re.sub(rf"(?<![\w-]){re.escape(key)}(?![\w-])", "this item", text)
    return said[0].upper() + said[1:] if said.startswith("this item") else said
