"""Typed text stays text in Markdown exports: formatting is escaped, and no link is ever made."""

from __future__ import annotations

import re

from sessions.export.report import md_escape

#: A Markdown link or image: [text](target), with no escaped bracket before "(".
LINK = re.compile(r"(?<!\\)\[[^\]]*(?<!\\)\]\(")


def test_typed_text_never_becomes_a_link_and_brackets_read_as_written() -> None:
    typed = "See [our page](http://example.org) or ![a](x.png) [redacted] [name] *loud*"
    escaped = md_escape(typed)
    assert not LINK.search(escaped)
    assert "[redacted]" in escaped and "[name]" in escaped
    assert "\\*loud\\*" in escaped
