"""A real name typed for someone added at the consent gate is never dropped without a word.

A pseudonym already used in the consultation means the same person. Their
real name, typed when they are added to a later session, must be kept (it is
what exports hide); a different real name under that pseudonym is someone
else, and is refused rather than merged into the first person.
"""

from __future__ import annotations

import pytest
from quote_fixtures import painting_session

from models import ActivityKind
from models.anonymise import build_anonymiser
from sessions.planning import add_participant, create_session
from sessions.services import Services


def _second_session(services: Services) -> tuple[object, str, str]:
    store, first = painting_session(services)
    second = create_session(store, "Music at the Hub", venue="The Hub",
                            activity=ActivityKind.MUSIC, date="2024-05-24",
                            facilitators=["Jo"], participants=[])
    return store, first.id, second.id


def test_a_real_name_given_later_is_kept_and_hidden() -> None:
    store, _, second = _second_session(Services.from_root(None))
    ash = next(p for p in store.participants() if p.pseudonym == "Ash")
    added = add_participant(store, second, "ash", real_name="Ashley  Moreno")
    assert added.id == ash.id
    assert store.participant(ash.id).real_name == "Ashley Moreno"
    hide = build_anonymiser(store.consultation().hide_names, store.participants())
    assert hide("Ashley Moreno came by bus") == "Ash came by bus"


def test_another_real_name_under_a_pseudonym_is_refused_and_nothing_changes() -> None:
    store, _, second = _second_session(Services.from_root(None))
    ash = next(p for p in store.participants() if p.pseudonym == "Ash")
    add_participant(store, second, "Ash", real_name="Ashley Moreno")
    again = add_participant(store, second, "ASH", real_name="ashley moreno")
    assert again.id == ash.id
    before = (store.participants(), store.session(second).participant_ids)
    with pytest.raises(ValueError, match="^Ash in this consultation has another real name; "
                                         "choose another pseudonym for someone new.$"):
        add_participant(store, second, "Ash", real_name="Ash Patel")
    assert (store.participants(), store.session(second).participant_ids) == before
    assert store.participant(ash.id).real_name == "Ashley Moreno"
