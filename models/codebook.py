"""Themes and the codebook a consultation codes its quotes with."""

from __future__ import annotations

from dataclasses import dataclass, field

from models.ids import new_id


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
