"""Benchmark: export a big consultation in every format, and time each format.

A consultation of ``--sessions`` sessions (``--segments`` generated segments
each) and ``--quotes`` quotes in a temporary workspace on real files. The goal
is every format together under 5 s. Run small in CI::

    python benchmarks/export.py --sessions 2 --quotes 100 --segments 50

Then the full thematic report: the facilitator's frame, ``--images`` approved
artwork photos (imported through Pillow like a facilitator's), the themes chart
and two reach charts, in every report format (Markdown, HTML, Word, PDF); the
goal is all four together under 10 s.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models import (  # noqa: E402
    ActivityKind,
    ContributionReview,
    ContributionState,
    Decision,
    Participant,
    RecordingConsent,
    Segment,
    Session,
    Word,
    decide,
    new_quote,
)
from models.participant import ConsentRecord  # noqa: E402
from models.wording import plural  # noqa: E402
from sessions.export import (  # noqa: E402
    FORMATS,
    build_content,
    export_source,
    load_source,
    write_content,
)
from sessions.store import ConsultationStore, Workspace  # noqa: E402

GOAL_S = 5.0
REPORT_GOAL_S = 10.0
WORDS = "we come here because it is somewhere safe to go and people listen to you".split()


def build(
    root: Path, sessions: int, quotes: int, segments: int, seed: int = 1
) -> ConsultationStore:
    """Make the consultation: participants, sessions with segments, decided, tagged quotes."""
    rng = random.Random(seed)
    store = Workspace(root).create_consultation("Benchmark", "What makes a good service?")
    consultation = store.consultation()
    consultation.hide_names = ["Riverside", "Karen"]
    store.save_consultation(consultation)
    theme_ids = [t.id for t in consultation.codebook.themes]
    session_ids = [f"s-{s}" for s in range(sessions)]
    people = []
    for i in range(12):
        person = Participant(id=f"p-{i}", pseudonym=f"Person {i}", real_name=f"Name{i} Family{i}")
        for sid in session_ids:
            answer = RecordingConsent.NO if i == 11 else RecordingConsent.YES
            person.consent[sid] = ConsentRecord(answer, "t")
            state = ContributionState.PENDING if i == 10 else ContributionState.APPROVED
            person.contribution[sid] = ContributionReview(state, "t")
        people.append(person)
    decisions = [Decision.APPROVE, Decision.APPROVE, Decision.REDACT, Decision.WITHDRAW]
    with store._writing():  # one write for the setup, not thousands
        for person in people:
            store.save_participant(person)
        for index, sid in enumerate(session_ids):
            store.save_session(
                Session(
                    id=sid,
                    consultation_id=consultation.id,
                    title=f"Session {index + 1}",
                    venue="Riverside hall",
                    activity=list(ActivityKind)[index % len(ActivityKind)],
                    date=f"2024-03-{index + 1:02d}",
                    participant_ids=[p.id for p in people],
                )
            )
            session_segments = []
            t = 0.0
            for _ in range(segments):
                words = []
                for _ in range(rng.randint(6, 20)):
                    text = rng.choice(WORDS + ["Karen", "Name3's"])
                    words.append(Word(t, t + 0.3, f" {text}"))
                    t += 0.35
                session_segments.append(
                    Segment(
                        words[0].start,
                        words[-1].end,
                        "".join(w.text for w in words).strip(),
                        words,
                        speaker_id=rng.choice(people).id,
                    )
                )
                t += 1.0
            store.save_segments(sid, session_segments)
            for _ in range(quotes // sessions):
                segment = rng.choice(session_segments)
                first = rng.randrange(len(segment.words))
                picked = segment.words[first : first + rng.randint(3, 12)]
                quote = new_quote(
                    sid,
                    segment.speaker_id or "p-0",
                    picked,
                    theme_ids=rng.sample(theme_ids, rng.randint(1, 2)),
                )
                decision = rng.choice(decisions)
                redactions = [0] if decision is Decision.REDACT else None
                quote, event = decide(quote, decision, "t", redactions=redactions)
                store.save_quote(quote)
                store.append_audit(event)
    return store


def add_report_frame_and_artwork(store: ConsultationStore, images: int, folder: Path) -> None:
    """The facilitator's frame for every theme, ``images`` photos approved by their makers,
    and reach answers beside reference shares, so the report draws its reach charts too."""
    from PIL import Image

    from models.reach import AGE_BAND, AREA_TYPE
    from sessions.artwork import add_artwork, decide
    from sessions.report_frame import save_part
    from sessions.wellbeing import set_reach_answer, set_reference

    # 6 shown, two groups of 3 shown as "<5": both kinds of bar in both charts.
    ages = ["45-54"] * 6 + ["16-24"] * 3 + ["65-74"] * 3
    areas = ["Urban"] * 6 + ["Rural"] * 3 + ["Town"] * 3
    for i, (age, area) in enumerate(zip(ages, areas, strict=True)):
        set_reach_answer(store, f"p-{i}", AGE_BAND, age)
        set_reach_answer(store, f"p-{i}", AREA_TYPE, area)
    set_reference(store, AGE_BAND, {"16-24": 30.0, "45-54": 25.0, "65-74": 20.0})
    set_reference(store, AREA_TYPE, {"Urban": 50.0, "Town": 30.0, "Rural": 20.0})

    save_part(store, "commissioned by", "Day Services Commissioning Group")
    save_part(store, "context", "Why we asked, and whom. " * 20)
    save_part(store, "key messages", "\n".join(f"Key message {i}" for i in range(6)))
    for theme in store.consultation().codebook.themes:
        save_part(store, theme.id, "What we heard under this theme. " * 25)
    folder.mkdir(parents=True, exist_ok=True)
    sessions = [s.id for s in store.sessions()]
    rng = random.Random(2)
    for i in range(images):
        # A phone photo's size, with detail, so it is resized and compressed as a real one.
        photo = Image.effect_noise((2000, 1500), 60).convert("RGB")
        photo.paste((rng.randrange(255), 120, 80), (0, 0, 900, 700))
        path = folder / f"photo-{i}.jpg"
        photo.save(path, "JPEG", quality=90)
        made = add_artwork(store, sessions[i % len(sessions)], f"p-{i % 10}", path, f"Work {i}")
        decide(store, made.id, approve=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--quotes", type=int, default=2000)
    parser.add_argument("--segments", type=int, default=400, help="segments per session")
    parser.add_argument("--images", type=int, default=20, help="approved artwork photos")
    parser.add_argument("--check", action="store_true", help=f"exit 1 if over {GOAL_S} s")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        store = build(root / "workspace", args.sessions, args.quotes, args.segments)
        print(f"setup: {time.perf_counter() - started:.2f} s")
        started = time.perf_counter()
        source = load_source(store)
        load_s = time.perf_counter() - started
        print(f"{'read store':>16}: {load_s:6.3f} s")
        started = time.perf_counter()
        content = build_content(source)
        build_s = time.perf_counter() - started
        print(f"{'decide+anonymise':>16}: {build_s:6.3f} s")
        total = load_s + build_s
        for fmt in FORMATS:
            started = time.perf_counter()
            files = write_content(content, root / "out" / fmt, [fmt])
            elapsed = time.perf_counter() - started
            total += elapsed
            print(f"{fmt:>16}: {elapsed:6.3f} s  ({plural(len(files), 'file')})")
        started = time.perf_counter()
        export_source(source, root / "out" / "all")
        together = time.perf_counter() - started + load_s
        print(f"{'sum of formats':>16}: {total:6.3f} s")
        print(f"{'all in one call':>16}: {together:6.3f} s  (goal {GOAL_S:.0f} s)")

        started = time.perf_counter()
        add_report_frame_and_artwork(store, args.images, root / "photos")
        print(f"frame and {plural(args.images, 'photo')} imported: "
              f"{time.perf_counter() - started:.2f} s")
        started = time.perf_counter()
        report_files = export_source(load_source(store), root / "out" / "report", ["report"])
        report_s = time.perf_counter() - started
        size = sum(p.stat().st_size for p in report_files) / 1e6
        print(f"{'full report':>16}: {report_s:6.3f} s  (every report format, charts, "
              f"{plural(args.images, 'image')}, {plural(len(report_files), 'file')}, "
              f"{size:.1f} MB; goal {REPORT_GOAL_S:.0f} s)")
    over = together > GOAL_S or report_s > REPORT_GOAL_S
    return 1 if args.check and over else 0


if __name__ == "__main__":
    sys.exit(main())
