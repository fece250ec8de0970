"""XML and HTML for the builtin tools: XML parsed without entity expansion, and the readable
text and links of an HTML page. Imported when a tool that reads markup runs."""

from __future__ import annotations

import html.parser
import re
import urllib.parse
import xml.etree.ElementTree as ET
from typing import Any

from engines.api.tools.common import ToolError

# -- XML, refusing entity expansion -----------------------------------------------------------
_DTD = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
MAX_XML = 5 * 1024 * 1024


def parse_xml(text: str) -> ET.Element:
    """Parse XML with the stdlib, refusing any DOCTYPE or ENTITY declaration (no entity
    expansion, no external entities: the attacks defusedxml guards against)."""
    if len(text) > MAX_XML:
        raise ToolError(f"XML text is larger than {MAX_XML // (1024 * 1024)} MB")
    if _DTD.search(text):
        raise ToolError("XML with a DOCTYPE or ENTITY declaration is refused (entity expansion)")
    try:
        return ET.fromstring(text.lstrip("\ufeff").strip())
    except ET.ParseError as exc:
        raise ToolError(f"invalid XML: {exc}") from None


# -- HTML to text ---------------------------------------------------------------------------

_HIDDEN = {"script", "style", "noscript", "template", "head", "svg", "iframe", "object"}
_BLOCK = {
    "p", "div", "br", "li", "ul", "ol", "tr", "table", "section", "article", "header",
    "footer", "nav", "aside", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote",
    "hr", "dd", "dt", "figcaption", "main", "form",
}  # fmt: skip
_VOID = {
    "br",
    "hr",
    "img",
    "input",
    "meta",
    "link",
    "area",
    "base",
    "col",
    "embed",
    "source",
    "wbr",
}


class _TextExtractor(html.parser.HTMLParser):
    def __init__(self, base_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base_url = base_url
        self.title = ""
        self.parts: list[str] = []
        self.links: list[dict[str, str]] = []
        self._hidden = 0
        self._in_title = False
        self._link: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        elif tag in _HIDDEN and tag not in _VOID:
            self._hidden += 1
        if tag in _BLOCK:
            self.parts.append("\n")
        if tag == "a":
            href = dict(attrs).get("href")
            if href and not href.startswith(("javascript:", "#")):
                self._link = {"url": urllib.parse.urljoin(self.base_url, href), "text": []}

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag in _HIDDEN and self._hidden:
            self._hidden -= 1
        if tag in _BLOCK:
            self.parts.append("\n")
        if tag == "a" and self._link is not None:
            text = " ".join("".join(self._link["text"]).split())
            self.links.append({"text": text, "url": self._link["url"]})
            self._link = None

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
            return
        if self._hidden:
            return
        self.parts.append(data)
        if self._link is not None:
            self._link["text"].append(data)


def html_to_text(markup: str, base_url: str = "") -> dict[str, Any]:
    """{title, text, links}: the visible text of an HTML page with its blocks on lines."""
    parser = _TextExtractor(base_url)
    parser.feed(markup)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    text = "\n".join(line for line in lines if line)
    return {"title": " ".join(parser.title.split()), "text": text, "links": parser.links}
