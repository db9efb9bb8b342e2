"""Property: whatever ordinary actions are taken, in any order, exports keep every promise.

A consultation is built through the real services (tinydb store in a temporary
folder), then a random sequence of the things facilitators and participants
do: transcribe and transcribe again, correct text (punctuation, swapped,
inserted and deleted words), change speakers (back to unknown too), make
quotes (whole segments, ranges, words), decide on them (approve, redact,
withdraw, change of mind), delete a mistaken quote, hide words in
transcript review, approve or withdraw a transcript contribution, withdraw
recording consent, strike, edit the hide list, and erase someone. Then every
format is exported and read back, and:

- no word anyone hid (a withdrawn quote's, a redacted one, a struck or
  off-record one) appears, nor any word corrected from or into one;
- no part of a real or hidden name appears, in any spelling a speech
  recogniser writes (accents dropped, ß as ss, apostrophe and dash variants);
- no speech of anyone who has not agreed to be recorded appears;
- every word of an approved quote that nothing hides is there.

Every ordinary word is a distinctive token ("tok00042z"), so containment
checks are exact. What must be hidden is worked out here from the actions
themselves, not from the code under test.
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from export_helpers import read_back
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from models import (
    ContributionState,
    Decision,
    Marker,
    MarkerKind,
    Participant,
    Recording,
    RecordingConsent,
    Role,
    Segment,
    Session,
    Word,
)
from models.attribution import attribute_speakers, drop_off_record, off_record_spans
from models.participant import ConsentRecord
from models.privacy import OFF_RECORD_MARGIN_S
from sessions.erasure import erase_participant
from sessions.errors import FacilitateError
from sessions.export import export_all
from sessions.quotes import delete_quote, make_quote
from sessions.review import apply_decision, redact_own_words, review_contribution
from sessions.store import ConsultationStore, Workspace
from sessions.transcript_edits import edit_text, set_speaker
from sessions.transcript_merge import save_transcript

#: How many random sequences to check; CI runs the default, a hunt sets more.
EXAMPLES = int(os.environ.get("FACILITATE_PRIVACY_EXAMPLES", "60"))
#: The default run checks the same sequences every time (a suite result never
#: depends on luck); a hunt with FACILITATE_PRIVACY_EXAMPLES draws fresh ones.
HUNTING = "FACILITATE_PRIVACY_EXAMPLES" in os.environ

#: Real names as people register them, and how a speech recogniser may write them.
NAME_POOL: list[tuple[str, list[str]]] = [
    ("Jürgen Weiß", ["Jürgen", "Jurgen", "Weiss", "WEISS", "Weiß's"]),
    ("İpek Yılmaz", ["İpek", "Ipek", "ipek", "Yilmaz"]),
    ("Zoe\u0308 Hart", ["Zoë", "Zoe", "Zoe\u0308", "Hart"]),
    ("Siobhán O’Hara", ["O'Hara", "O’Hara", "Siobhan", "o'hara"]),
    ("José Ruiz", ["Jose", "José", "Ruiz"]),
    ("Łukasz Nowak", ["Lukasz", "Łukasz", "Nowak"]),
    ("Mary Rose", ["Rose", "Mary", "Mary Rose"]),
    ("Anne-Marie Kaya", ["Anne", "Marie", "Anne-Marie", "Anne–Marie", "Kaya"]),
    ("Siân Evans", ["Sian", "Siân", "Evans"]),
    ("Ibrahim Kaya", ["İbrahim", "Ibrahim"]),
]
#: Names on the consultation's hide list (staff, places), and how they are spoken.
HIDE_POOL: list[tuple[str, list[str]]] = [
    ("Hauptstraße", ["Hauptstrasse", "Hauptstraße"]),
    ("Björk Centre", ["Bjork", "Björk"]),
    ("Dolores", ["Dolores", "DOLORES"]),
]

_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "‘": "'", "`": "'"})
_DASHES = re.compile(r"[\-\u2010-\u2015]")
_UNDECOMPOSED = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "æ": "ae", "ı": "i"})


def fold(text: str) -> str:
    """Text as compared for names: no case, no accents, one apostrophe, dashes as spaces."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.translate(_UNDECOMPOSED).translate(_APOSTROPHES).replace("ß", "ss")
    return _DASHES.sub(" ", text)


def name_parts(name: str) -> set[str]:
    """Every part of a name as folded (parts of one letter are left to the whole name)."""
    return {p.strip("'") for p in fold(name).split() if len(p.strip("'.")) > 1}


@dataclass
class Oracle:
    """What the actions say must never appear, kept apart from the code under test."""

    #: The words the model heard that each corrected token stands for.
    origins: dict[str, set[str]] = field(default_factory=dict)
    #: Per quote: the tokens its last decision hid (withdrawn: all it showed).
    quote_hidden: dict[str, set[str]] = field(default_factory=dict)
    #: Tokens hidden in transcript review.
    transcript_hidden: set[str] = field(default_factory=set)
    #: Tokens a correction inserted between words (their fate is a judgement call).
    inserted: set[str] = field(default_factory=set)
    #: When each token heard by the model was said (seconds), for strikes and refusals.
    said_at: dict[str, tuple[float, float]] = field(default_factory=dict)
    #: Tokens the transcript gave to someone when they were erased.
    erased: set[str] = field(default_factory=set)
    #: Real names of erased people: gone from the store, still never to be shown.
    erased_names: list[str] = field(default_factory=list)

    def origin(self, token: str) -> set[str]:
        """The heard words ``token`` stands for (itself, if the model heard it)."""
        return self.origins.get(token, {token})

    def replaced(self, old: list[str], new: list[str]) -> None:
        """Say the facilitator typed ``new`` in place of ``old``: each new one stands for all.

        Only distinctive tokens: a name is said in many places, so its spelling
        says nothing about which word a correction replaced.
        """
        stands_for = {o for t in old if t.startswith("tok") for o in self.origin(t)}
        for token in new:
            if token.startswith("tok") and stands_for:
                self.origins[token] = stands_for

    def versions(self, tokens: set[str]) -> set[str]:
        """``tokens``, the heard words they stand for, and every version of a heard one.

        A correction of "A B" into "X" makes X a version of A and of B, but A
        and B stay two words: hiding heard word A hides X (and not B); hiding X
        hides A and B if the model writes them again, but not another word
        typed for them, which the participant saw and left.
        """
        heard = {t for t in tokens if t not in self.origins}
        known = set(self.said_at) | set(self.origins)
        return (
            set(tokens)
            | {o for t in tokens for o in self.origin(t)}
            | {t for t in known if not heard.isdisjoint(self.origin(t))}
        )

SID = "s-1"


def _token(n: int) -> str:
    return f"tok{n:05d}z"


@dataclass
class World:
    """The consultation under test and the ground truth about it."""

    store: ConsultationStore
    people: list[Participant]
    oracle: Oracle
    #: What the model hears (before silencing): (true speaker, words) per turn.
    heard: list[tuple[str, list[Word]]]
    hide_names: list[str]
    counter: int = 90000

    def fresh_token(self) -> str:
        self.counter += 1
        return _token(self.counter)


def _build(data: st.DataObject, root: Path) -> World:
    draw = data.draw
    workspace = Workspace(root)
    store = workspace.create_consultation("Privacy property")
    pool = list(NAME_POOL)
    chosen = draw(st.lists(st.sampled_from(range(len(pool))), min_size=2, max_size=4, unique=True))
    people: list[Participant] = []
    for i, index in enumerate(chosen):
        real, _ = pool[index]
        role = Role.FACILITATOR if i == 0 and draw(st.booleans()) else Role.PARTICIPANT
        person = Participant(id=f"p-{i}", pseudonym=f"Pseud{'ABCDEFG'[i]}", role=role,
                             real_name=real)
        answer = draw(st.sampled_from([RecordingConsent.YES] * 3 + [RecordingConsent.NO]))
        person.consent[SID] = ConsentRecord(answer, "t")
        store.save_participant(person)
        people.append(person)
    hide = [HIDE_POOL[i][0] for i in draw(
        st.lists(st.sampled_from(range(len(HIDE_POOL))), max_size=2, unique=True))]
    consultation = store.consultation()
    consultation.hide_names = hide
    store.save_consultation(consultation)

    oracle = Oracle()
    counter = 0
    t = 0.5
    heard: list[tuple[str, list[Word]]] = []
    markers: list[Marker] = []
    spoken_names = [v for i in chosen for v in pool[i][1]] + [
        v for name, variants in HIDE_POOL if name in hide for v in variants
    ]
    for _ in range(draw(st.integers(2, 6))):
        speaker = draw(st.sampled_from(people))
        markers.append(Marker(MarkerKind.SPEAKER, max(0.0, t - 0.2), participant_id=speaker.id))
        words: list[Word] = []
        for _ in range(draw(st.integers(2, 6))):
            if draw(st.integers(0, 6)) == 0:
                text = draw(st.sampled_from(spoken_names))
            else:
                counter += 1
                text = _token(counter)
                oracle.said_at[text] = (t, t + 0.4)
            for part in text.split():
                words.append(Word(round(t, 3), round(t + 0.4, 3), f" {part}"))
                t += 0.5
        heard.append((speaker.id, words))
        t += 1.0
    # Marks are made while recording, so the session has a recording (its file is
    # not needed: nothing here plays or silences audio, the model's hearing is `heard`).
    recording = Recording(file="s-1.flac", duration_s=round(t + 1.0, 3), sample_rate=16000)
    session = Session(id=SID, consultation_id=store.id, title="Painting",
                      participant_ids=[p.id for p in people], markers=markers,
                      recording=recording)
    store.save_session(session)
    world = World(store, people, oracle, heard, hide)
    transcribe(world, jitter=0.0, data=data)
    return world


# -- the actions --------------------------------------------------------------------------


def transcribe(world: World, jitter: float, data: st.DataObject) -> None:
    """What the model makes of the audio, silenced where off the record, saved as the app does."""
    store = world.store
    session = store.session(SID)
    duration = max(w.end for _, ws in world.heard for w in ws) + 1.0
    spans = off_record_spans(session.markers, store.participants(), SID, duration)
    segments = []
    for _, words in world.heard:
        shifted = [Word(round(w.start + jitter, 3), round(w.end + jitter, 3), w.text)
                   for w in words]
        segments.append(Segment(shifted[0].start, shifted[-1].end,
                                "".join(w.text for w in shifted).strip(), shifted))
    if data.draw(st.booleans(), label="merge two turns") and len(segments) > 1:
        # A model may hear two turns as one segment.
        i = data.draw(st.integers(0, len(segments) - 2))
        a, b = segments[i], segments[i + 1]
        segments[i : i + 2] = [Segment(a.start, b.end, f"{a.text} {b.text}", a.words + b.words)]
    segments = attribute_speakers(drop_off_record(segments, spans), session.markers)
    save_transcript(store, SID, segments, "tiny.en")


def _segments(world: World) -> list[Segment]:
    return world.store.segments(SID)


def correct(world: World, data: st.DataObject) -> None:
    segments = _segments(world)
    if not segments:
        return
    segment = data.draw(st.sampled_from(segments))
    tokens = segment.text.split()
    kind = data.draw(st.sampled_from(["punctuation", "swap", "insert", "delete", "runs"]))
    i = data.draw(st.integers(0, len(tokens) - 1))
    oracle = world.oracle
    if kind == "punctuation":
        old = tokens[i]
        tokens[i] = old.rstrip(".,!?") + data.draw(st.sampled_from([".", ",", "?", "!"]))
        # The same word, re-punctuated: its token is unchanged.
    elif kind == "swap":
        new = world.fresh_token()
        oracle.replaced([tokens[i].strip(".,!?")], [new])
        tokens[i] = new
    elif kind == "insert":
        new = world.fresh_token()
        oracle.inserted.add(new)
        tokens.insert(i, new)
    elif kind == "delete":
        if len(tokens) < 2:
            return
        del tokens[i]
    else:
        stop = min(len(tokens), i + data.draw(st.integers(1, 3)))
        new = [world.fresh_token() for _ in range(data.draw(st.integers(1, 3)))]
        oracle.replaced([t.strip(".,!?") for t in tokens[i:stop]], new)
        tokens[i:stop] = new
    edit_text(world.store, SID, segment.id, " ".join(tokens))


def speaker(world: World, data: st.DataObject) -> None:
    segments = _segments(world)
    if not segments:
        return
    segment = data.draw(st.sampled_from(segments))
    who = data.draw(st.sampled_from([p.id for p in world.people] + [None]))
    set_speaker(world.store, SID, [segment.id], who)


def quote(world: World, data: st.DataObject) -> None:
    segments = _segments(world)
    if not segments:
        return
    i = data.draw(st.integers(0, len(segments) - 1))
    kind = data.draw(st.sampled_from(["segment", "range", "words"]))
    word_range = None
    chosen = [segments[i]]
    if kind == "range":
        chosen = segments[i : i + data.draw(st.integers(1, 3))]
    elif kind == "words":
        n = len(segments[i].words)
        first = data.draw(st.integers(0, n - 1))
        word_range = (first, data.draw(st.integers(first + 1, n)))
    who = None
    if any(s.speaker_id is None for s in chosen):
        who = data.draw(st.sampled_from([p.id for p in world.people]))
    try:
        make_quote(world.store, SID, [s.id for s in chosen], word_range=word_range,
                   participant_id=who)
    except (FacilitateError, ValueError):
        pass  # refused (say, words of two people): nothing is made


def decide_quote(world: World, data: st.DataObject) -> None:
    quotes = world.store.quotes(SID)
    if not quotes:
        return
    q = data.draw(st.sampled_from(quotes))
    decision = data.draw(st.sampled_from(list(Decision)))
    redactions = None
    if decision is Decision.REDACT:
        redactions = data.draw(st.lists(st.integers(0, len(q.words) - 1), min_size=1,
                                        max_size=3, unique=True))
    updated = apply_decision(world.store, q.id, decision, redactions=redactions)
    shown = [w.text.strip().strip(".,!?") for w in q.words]
    if decision is Decision.WITHDRAW:
        world.oracle.quote_hidden[q.id] = set(shown)
    elif decision is Decision.REDACT:
        world.oracle.quote_hidden[q.id] = {shown[i] for i in updated.redactions}
    else:
        world.oracle.quote_hidden.pop(q.id, None)


def delete_a_quote(world: World, data: st.DataObject) -> None:
    """The facilitator deletes a quote made by mistake (refused once its speaker decided)."""
    quotes = world.store.quotes(SID)
    if not quotes:
        return
    q = data.draw(st.sampled_from(quotes))
    try:
        delete_quote(world.store, q.id)
    except FacilitateError:
        return
    # Only a quote nobody hid anything of can go; what the oracle knows of it stays
    # true (a deleted quote's words are the transcript's again).
    assert q.id not in world.oracle.quote_hidden


def hide_in_review(world: World, data: st.DataObject) -> None:
    own = [s for s in _segments(world) if s.speaker_id is not None and s.words]
    if not own:
        return
    segment = data.draw(st.sampled_from(own))
    chosen = data.draw(st.lists(st.integers(0, len(segment.words) - 1), max_size=3, unique=True))
    redact_own_words(world.store, segment.speaker_id, SID, segment.id, chosen)
    tokens = [w.text.strip().strip(".,!?") for w in segment.words]
    # "Exactly these": words of this segment not chosen are shown again, and so are
    # the heard words they were typed over: this choice replaces any made on those.
    oracle = world.oracle
    oracle.transcript_hidden -= set(tokens) | {o for t in tokens for o in oracle.origin(t)}
    oracle.transcript_hidden |= {tokens[i] for i in chosen}


def contribution(world: World, data: st.DataObject) -> None:
    person = data.draw(st.sampled_from(world.people))
    state = data.draw(st.sampled_from(list(ContributionState)))
    review_contribution(world.store, person.id, SID, state)


def withdraw_consent(world: World, data: st.DataObject) -> None:
    person = data.draw(st.sampled_from(world.people))
    world.store.set_recording_consent(person.id, SID, RecordingConsent.NO)


def strike(world: World, data: st.DataObject) -> None:
    session = world.store.session(SID)
    end = max(w.end for _, ws in world.heard for w in ws)
    start = data.draw(st.floats(0.0, end, allow_nan=False))
    length = data.draw(st.floats(0.3, 3.0, allow_nan=False))
    session.markers.append(Marker(MarkerKind.STRIKE, start, end_s=start + length))
    world.store.save_session(session)


def hide_list(world: World, data: st.DataObject) -> None:
    """The facilitator adds and removes staff and place names on the names-to-hide list.

    Names they did not type (a real name erasure keeps there because others still
    say it) stay: removing one is a deliberate act this sequence does not model.
    """
    consultation = world.store.consultation()
    names = [n for n, _ in HIDE_POOL]
    kept = [n for n in consultation.hide_names if n not in names]
    consultation.hide_names = kept + data.draw(st.lists(st.sampled_from(names), unique=True))
    world.store.save_consultation(consultation)


def retranscribe(world: World, data: st.DataObject) -> None:
    transcribe(world, data.draw(st.sampled_from([0.0, 0.02, -0.03])), data)


def erase(world: World, data: st.DataObject) -> None:
    """Someone asks to be forgotten: everything the transcript gives them goes, for good."""
    if len(world.people) < 2:
        return
    person = data.draw(st.sampled_from(world.people))
    theirs = {
        w.text.strip().strip(".,!?")
        for s in _segments(world) if s.speaker_id == person.id for w in s.words
    }
    erase_participant(world.store, person.id)
    world.people.remove(person)
    world.oracle.erased |= theirs
    world.oracle.erased_names.append(person.real_name)


ACTIONS = [correct, correct, speaker, quote, quote, decide_quote, decide_quote,
           hide_in_review, contribution, withdraw_consent, strike, hide_list, retranscribe,
           erase, delete_a_quote]


# -- the checks ---------------------------------------------------------------------------


def forbidden(world: World) -> set[str]:
    """Every token no export may show, from the actions alone."""
    store, oracle = world.store, world.oracle
    session = store.session(SID)
    people = {p.id: p for p in store.participants()}
    hidden = set(oracle.transcript_hidden) | oracle.erased
    for tokens in oracle.quote_hidden.values():
        hidden |= tokens
    duration = max(w.end for _, ws in world.heard for w in ws) + 1.0
    spans = off_record_spans(session.markers, list(people.values()), SID, duration)
    for token, (a, b) in oracle.said_at.items():
        if any(a < e and s < b for s, e in spans):
            hidden.add(token)
    # The speech of whoever the transcript says spoke, if they have not agreed.
    for segment in store.segments(SID):
        speaker = people.get(segment.speaker_id or "")
        if speaker is None or not speaker.is_recorded_in(SID):
            hidden |= {w.text.strip().strip(".,!?") for w in segment.words}
    return {t for t in oracle.versions(hidden) if t.startswith("tok")}


def required(world: World, hidden: set[str]) -> set[str]:
    """Tokens of approved quotes that nothing hides: they must be in the quote exports."""
    store = world.store
    people = {p.id: p for p in store.participants()}
    owner = {w.text.strip().strip(".,!?"): s.speaker_id
             for s in store.segments(SID) for w in s.words}
    session = store.session(SID)
    duration = max(w.end for _, ws in world.heard for w in ws) + 1.0
    # Words this close to an off-record span may be hidden with it (a documented rule).
    spans = [(a - OFF_RECORD_MARGIN_S, b + OFF_RECORD_MARGIN_S) for a, b in off_record_spans(
        session.markers, list(people.values()), SID, duration)]
    needed: set[str] = set()
    for q in store.quotes(SID):
        if not q.exportable or not people[q.participant_id].is_recorded_in(SID):
            continue
        for i, w in enumerate(q.words):
            token = w.text.strip().strip(".,!?")
            if (
                token.startswith("tok")
                and i not in q.redactions
                and token not in hidden
                and token not in world.oracle.inserted
                and owner.get(token) == q.participant_id
                and not any(w.start < e and s < w.end for s, e in spans)
            ):
                needed.add(token)
    return needed


def check_export(world: World, out: Path, include_pseudonyms: bool) -> None:
    export_all(world.store, out, include_pseudonyms=include_pseudonyms)
    texts = read_back(out)
    hidden = forbidden(world)
    names = set()
    for person in world.store.participants():
        names |= name_parts(person.real_name)
    for real_name in world.oracle.erased_names:
        names |= name_parts(real_name)
    for name in world.store.consultation().hide_names:
        names |= name_parts(name)
    for file, text in texts.items():
        leaked = sorted(t for t in hidden if t in text)
        assert not leaked, f"{file} shows hidden words {leaked}"
        folded = fold(text)
        named = sorted(n for n in names if re.search(rf"(?<!\w){re.escape(n)}(?!\w)", folded))
        assert not named, f"{file} names {named}"
    quotes_text = texts.get("quotes.csv", "")
    missing = sorted(t for t in required(world, hidden) if t not in quotes_text)
    assert not missing, f"approved words missing from quotes.csv: {missing}"


@settings(
    max_examples=EXAMPLES,
    derandomize=not HUNTING,
    deadline=None,
    # No "explain" phase: it traces every line run, and an export renders a PDF.
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_every_ordinary_sequence_of_actions_keeps_every_promise(data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        world = _build(data, Path(tmp) / "workspace")
        for _ in range(data.draw(st.integers(1, 14), label="how many actions")):
            action = data.draw(st.sampled_from(ACTIONS), label="action")
            action(world, data)
        check_export(world, Path(tmp) / "export", data.draw(st.booleans(), label="pseudonyms"))
