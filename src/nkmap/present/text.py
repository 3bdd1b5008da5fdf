"""Showing text that comes from layers: escaped for Markdown and HTML, links only to web
addresses."""

from __future__ import annotations

import html
import re

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def escape_markdown(text: str) -> str:
    """Backslash-escape every character Markdown (and Streamlit's extensions) treat specially,
    so that layer text is shown as typed and never as markup, HTML or LaTeX."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def markdown_link(title: str, url: str) -> str:
    """A Markdown link to ``url`` if it is an http(s) address; otherwise the escaped title and
    address as plain text."""
    if re.fullmatch(r"https?://[^\s()<>\[\]]+", url):
        return f"[{escape_markdown(title)}]({url})"
    return f"{escape_markdown(title)} ({escape_markdown(url)})"


def escape_html(text: object) -> str:
    """Text for HTML: every character that markup gives a meaning is escaped, quotes too."""
    return html.escape(str(text), quote=True)


def html_link(title: str, url: str, new_tab: bool = True) -> str:
    """An HTML link to ``url`` if it is an http(s) address; otherwise the escaped title."""
    if not url.startswith(("https://", "http://")):
        return escape_html(title)
    target = ' target="_blank"' if new_tab else ""
    return (
        f'<a href="{escape_html(url)}"{target} rel="noopener noreferrer">{escape_html(title)}</a>'
    )
