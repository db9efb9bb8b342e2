"""Themes and the codebook a consultation codes its quotes with."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from models.ids import new_id
from models.quote import Quote
from models.text import clean_text


@dataclass
class Theme:
    """One code in the codebook, optionally nested one level under a parent."""

    id: str
    name: str
    description: str = ""
    parent_id: str | None = None


@dataclass
class Codebook:
    """The themes a consultation's quotes are tagged with."""

    themes: list[Theme] = field(default_factory=list)

    def theme(self, theme_id: str) -> Theme | None:
        """Return the theme with ``theme_id``, or None."""
        return next((t for t in self.themes if t.id == theme_id), None)

    def by_name(self, name: str) -> Theme | None:
        """Return the theme called ``name`` (case-insensitive), or None."""
        wanted = name.strip().casefold()
        return next((t for t in self.themes if t.name.casefold() == wanted), None)


#: The ten characteristics of a good service, from the consultation report this
#: product grew out of. Names and descriptions are the report's own framing.
TEN_CHARACTERISTICS: tuple[tuple[str, str], ...] = (
    ("Somewhere to go", "A safe, welcoming place to go, with a reason to get up and out."),
    ("Acceptance", "Being accepted as you are, without judgement or having to explain."),
    ("Mutual and peer support", "People with shared experience helping one another."),
    ("A stable base", "Continuity and reliability that people can build their lives from."),
    ("Flexible and responsive", "Support that adapts to each person and to changing needs."),
    ("Outward looking", "Links into the wider community, work, learning and leisure."),
    ("Day-to-day monitoring", "Staff and peers noticing early when someone is struggling."),
    ("Building confidence", "Growing skills, self-belief and the courage to try new things."),
    (
        "Challenging external barriers",
        "Standing up to stigma, transport, benefits and other obstacles outside.",
    ),
    ("The local context", "What the place, its geography and local services mean for people."),
)


def default_codebook() -> Codebook:
    """Return a fresh codebook of the ten characteristics of a good service."""
    return Codebook(
        themes=[
            Theme(id=new_id("t"), name=name, description=description)
            for name, description in TEN_CHARACTERISTICS
        ]
    )


def empty_codebook() -> Codebook:
    """Return a codebook with no themes, for a consultation that builds its own."""
    return Codebook()


CODEBOOK_TEMPLATES = {
    "ten-characteristics": default_codebook,
    "empty": empty_codebook,
}


# -- editing ---------------------------------------------------------------------
#
# Every edit is a pure function returning a new Codebook (and new quotes where
# tags change), so a service can save the result in one atomic write or drop it.


class CodebookError(ValueError):
    """An edit that would break the codebook (duplicate name, two-level nesting)."""


def _clean_name(name: str) -> str:
    cleaned = " ".join(clean_text(name).split())
    if not cleaned:
        raise CodebookError("A theme needs a name.")
    return cleaned


def _clean_description(description: str) -> str:
    return clean_text(description, multiline=True).strip()


def _require(codebook: Codebook, theme_id: str) -> Theme:
    theme = codebook.theme(theme_id)
    if theme is None:
        raise CodebookError(f"No theme {theme_id!r} in the codebook.")
    return theme


def _check_unique(codebook: Codebook, name: str, except_id: str | None = None) -> None:
    other = codebook.by_name(name)
    if other is not None and other.id != except_id:
        raise CodebookError(f"There is already a theme called {other.name!r}.")


def children(codebook: Codebook, theme_id: str) -> list[Theme]:
    """The themes nested under ``theme_id``, in codebook order."""
    return [t for t in codebook.themes if t.parent_id == theme_id]


def top_level(codebook: Codebook) -> list[Theme]:
    """The themes with no parent, in codebook order."""
    return [t for t in codebook.themes if t.parent_id is None]


def _check_parent(codebook: Codebook, theme_id: str | None, parent_id: str | None) -> None:
    """Enforce one level of nesting: parents are top-level, and parents have no parent."""
    if parent_id is None:
        return
    parent = _require(codebook, parent_id)
    if parent_id == theme_id:
        raise CodebookError("A theme cannot be nested under itself.")
    if parent.parent_id is not None:
        raise CodebookError(
            f"{parent.name!r} is itself nested; themes nest one level only."
        )
    if theme_id is not None and children(codebook, theme_id):
        raise CodebookError(
            "A theme with themes under it cannot be nested; themes nest one level only."
        )


def add_theme(
    codebook: Codebook,
    name: str,
    description: str = "",
    parent_id: str | None = None,
    theme_id: str | None = None,
) -> tuple[Codebook, Theme]:
    """Return a codebook with a new theme appended, and that theme."""
    name = _clean_name(name)
    _check_unique(codebook, name)
    _check_parent(codebook, None, parent_id)
    theme = Theme(
        id=theme_id or new_id("t"),
        name=name,
        description=_clean_description(description),
        parent_id=parent_id,
    )
    if codebook.theme(theme.id) is not None:
        raise CodebookError(f"There is already a theme with id {theme.id!r}.")
    return Codebook(themes=[*_copied(codebook), theme]), theme


def _copied(codebook: Codebook) -> list[Theme]:
    # Themes are mutable dataclasses: copy them so an edit never reaches the caller's codebook.
    return [replace(t) for t in codebook.themes]


def _with_theme(codebook: Codebook, theme_id: str, **changes: object) -> Codebook:
    _require(codebook, theme_id)
    return Codebook(
        themes=[
            replace(t, **changes) if t.id == theme_id else replace(t)  # type: ignore[arg-type]
            for t in codebook.themes
        ]
    )


def rename_theme(codebook: Codebook, theme_id: str, name: str) -> Codebook:
    """Return a codebook with ``theme_id`` renamed.

    Quotes refer to themes by id, so no quote changes.
    """
    name = _clean_name(name)
    _check_unique(codebook, name, except_id=theme_id)
    return _with_theme(codebook, theme_id, name=name)


def describe_theme(codebook: Codebook, theme_id: str, description: str) -> Codebook:
    """Return a codebook with a new description for ``theme_id``."""
    return _with_theme(codebook, theme_id, description=_clean_description(description))


def nest_theme(codebook: Codebook, theme_id: str, parent_id: str | None) -> Codebook:
    """Return a codebook with ``theme_id`` moved under ``parent_id`` (None: to the top)."""
    _require(codebook, theme_id)
    _check_parent(codebook, theme_id, parent_id)
    return _with_theme(codebook, theme_id, parent_id=parent_id)


def _retag(quote: Quote, mapping: dict[str, str | None]) -> Quote:
    """Return ``quote`` with its tags mapped (None drops a tag), deduplicated in order.

    Returns the same object when nothing changes, so callers save only real changes.
    """
    tags: list[str] = []
    for old in quote.theme_ids:
        new = mapping.get(old, old)
        if new is not None and new not in tags:
            tags.append(new)
    if tags == quote.theme_ids:
        return quote
    return replace(quote, theme_ids=tags)


def merge_themes(
    codebook: Codebook, quotes: list[Quote], source_ids: list[str], into_id: str
) -> tuple[Codebook, list[Quote]]:
    """Merge ``source_ids`` into ``into_id``; return the codebook and every quote.

    Quotes tagged with a source are re-tagged with ``into_id`` (once, even when
    they had several of the merged themes). Unchanged quotes are returned as the
    same objects. Themes nested under a source move under ``into_id``; if that
    would make two levels, they go where ``into_id``'s own children would be
    legal (its parent). ``into_id`` keeps its name, and its description unless it
    had none.
    """
    into = _require(codebook, into_id)
    sources = [s for s in dict.fromkeys(source_ids) if s != into_id]
    for source_id in sources:
        _require(codebook, source_id)
    gone = set(sources)
    description = into.description or next(
        (t.description for t in codebook.themes if t.id in gone and t.description), ""
    )
    # Where the merged theme sits: its own parent, unless that parent is merged away.
    into_parent = into.parent_id
    while into_parent in gone:
        into_parent = _require(codebook, into_parent).parent_id  # type: ignore[arg-type]
    themes: list[Theme] = []
    for theme in codebook.themes:
        if theme.id in gone:
            continue
        if theme.id == into_id:
            themes.append(replace(theme, parent_id=into_parent, description=description))
        elif theme.parent_id in gone:
            themes.append(replace(theme, parent_id=into_id))
        else:
            themes.append(replace(theme))
    merged = Codebook(themes=_flatten(themes))
    mapping: dict[str, str | None] = {source_id: into_id for source_id in sources}
    return merged, [_retag(q, mapping) for q in quotes]


def _flatten(themes: list[Theme]) -> list[Theme]:
    """Move any grandchild up to its grandparent, so nesting stays one level deep."""
    by_id = {t.id: t for t in themes}
    for theme in themes:
        parent = by_id.get(theme.parent_id) if theme.parent_id else None
        if parent is None:
            theme.parent_id = None
        elif parent.parent_id is not None:
            theme.parent_id = parent.parent_id
    return themes


def remove_theme(
    codebook: Codebook, quotes: list[Quote], theme_id: str
) -> tuple[Codebook, list[Quote]]:
    """Delete ``theme_id``; its children move to the top and its tags leave every quote."""
    _require(codebook, theme_id)
    themes = [
        replace(t, parent_id=None) if t.parent_id == theme_id else replace(t)
        for t in codebook.themes
        if t.id != theme_id
    ]
    return Codebook(themes=themes), [_retag(q, {theme_id: None}) for q in quotes]


def dangling_tags(codebook: Codebook, quotes: list[Quote]) -> set[str]:
    """Theme ids that quotes carry but the codebook lacks (should always be empty)."""
    known = {t.id for t in codebook.themes}
    return {tag for q in quotes for tag in q.theme_ids if tag not in known}
