"""Benchmark: approving a quote, listing quotes and the theme overview on a big consultation.

A consultation of ``--sessions`` two-hour sessions (about 750 generated
segments each) and ``--quotes`` quotes, in a temporary workspace on real files.
The goal for each figure is under 50 ms. Run small in CI::

    python benchmarks/quotes.py --sessions 2 --quotes 200
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _timing import median_ms  # noqa: E402

from models import Marker, MarkerKind, Participant, Segment, Session, Word  # noqa: E402
from models.quote import Decision, quote_from_span  # noqa: E402
from sessions.quotes import list_quotes, theme_overview  # noqa: E402
from sessions.review import apply_decision  # noqa: E402
from sessions.store import ConsultationStore, Workspace  # noqa: E402

GOAL_MS = 50.0
SEGMENTS_PER_SESSION = 750
SESSION_S = 2 * 60 * 60
WORDS = "we come here because it is somewhere safe to go and people listen to you".split()


def build(root: Path, sessions: int, quotes: int, seed: int = 1) -> ConsultationStore:
    """Make the consultation: participants, sessions with segments, tagged quotes."""
    rng = random.Random(seed)
    store = Workspace(root).create_consultation("Benchmark", "What makes a good service?")
    theme_ids = [t.id for t in store.consultation().codebook.themes]
    people = [Participant(id=f"p-{i}", pseudonym=f"Person {i}") for i in range(12)]
    all_segments: dict[str, list[Segment]] = {}
    with store.transaction():  # one write for the setup, not thousands
        for person in people:
            store.save_participant(person)
        for s in range(sessions):
            sid = f"s-{s}"
            length = SESSION_S / SEGMENTS_PER_SESSION
            segments = []
            for g in range(SEGMENTS_PER_SESSION):
                start = g * length
                n = rng.randint(6, 20)
                step = length / n
                words = [
                    Word(start + i * step, start + (i + 1) * step, f" {rng.choice(WORDS)}")
                    for i in range(n)
                ]
                segments.append(Segment(
                    start, start + length, "".join(w.text for w in words).strip(), words,
                    speaker_id=rng.choice(people).id,
                ))
            markers = [Marker(MarkerKind.STEP, i * 1200.0, step_index=i) for i in range(6)]
            store.save_session(Session(
                id=sid, consultation_id=store.id, title=f"Session {s}",
                participant_ids=[p.id for p in people], markers=markers,
            ))
            store.save_segments(sid, segments)
            all_segments[sid] = segments
        for _ in range(quotes):
            sid = rng.choice(list(all_segments))
            segment = rng.choice(all_segments[sid])
            tags = rng.sample(theme_ids, rng.randint(1, 3))
            store.save_quote(quote_from_span(sid, [segment], theme_ids=tags))
    return store


def main(argv: list[str] | None = None) -> int:
    """Build the consultation, time the three operations, print figures; 1 if over goal."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--quotes", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        store = build(Path(tmp), args.sessions, args.quotes)
        built_s = time.perf_counter() - start
        quote_ids = [q.id for q in store.quotes()]
        decisions = iter([Decision.APPROVE, Decision.WITHDRAW] * args.repeat)
        figures = {
            "approve one quote (with store write)": median_ms(
                lambda: apply_decision(store, quote_ids[0], next(decisions)), args.repeat
            ),
            "list all quotes": median_ms(lambda: list_quotes(store), args.repeat),
            "list quotes filtered by theme": median_ms(
                lambda: list_quotes(store, theme_id=store.consultation().codebook.themes[0].id),
                args.repeat,
            ),
            "theme overview": median_ms(lambda: theme_overview(store), args.repeat),
        }
        size_kb = (store.folder / "store.json").stat().st_size / 1024
    print(
        f"{args.sessions} sessions x {SEGMENTS_PER_SESSION} segments, {args.quotes} quotes; "
        f"store.json {size_kb:.0f} KiB; built in {built_s:.1f} s; median of {args.repeat}"
    )
    over = False
    for name, ms in figures.items():
        flag = "ok" if ms < GOAL_MS else "OVER GOAL"
        over |= ms >= GOAL_MS
        print(f"  {name:<40} {ms:8.1f} ms  {flag}")
    return 1 if over else 0


if __name__ == "__main__":
    raise SystemExit(main())
