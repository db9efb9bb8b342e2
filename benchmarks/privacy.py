"""Benchmark: the privacy core's speed, and how fast the privacy property test explores.

Two figures:

- how long the privacy core takes to decide a whole consultation's export
  (every word of every transcript, every quote) for ``--quotes`` quotes over
  ``--sessions`` sessions; goal under 200 ms for 2,000 quotes;
- how many random action sequences per minute the property test in
  ``tests/test_privacy_property.py`` checks (each one built through the real
  services, exported in every format and read back).

Run small in CI::

    python benchmarks/privacy.py --quotes 200 --sequences 5
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from models import (  # noqa: E402
    Decision,
    Marker,
    MarkerKind,
    Participant,
    RecordingConsent,
    Segment,
    Session,
    Word,
    decide,
    new_quote,
)
from models.export_rules import (  # noqa: E402
    consented_transcript,
    exportable_quotes,
    privacy_by_session,
)
from models.participant import ConsentRecord, ContributionReview, ContributionState  # noqa: E402

GOAL_MS = 200.0


def consultation(quotes: int, sessions: int, seed: int = 7):
    """Sessions, their transcripts and ``quotes`` decided quotes, built in memory."""
    rng = random.Random(seed)
    people = []
    for i in range(12):
        person = Participant(id=f"p-{i}", pseudonym=f"P{i}", real_name=f"Name{i} Family{i}")
        people.append(person)
    all_sessions, segments, made = [], {}, []
    per_session = max(1, quotes // sessions)
    for s in range(sessions):
        sid = f"s-{s}"
        for person in people:
            answer = RecordingConsent.NO if rng.random() < 0.1 else RecordingConsent.YES
            person.consent[sid] = ConsentRecord(answer, "t")
            person.contribution[sid] = ContributionReview(ContributionState.APPROVED, "t")
        t = 0.0
        session_segments = []
        for g in range(per_session * 2):
            words = []
            for _ in range(rng.randint(6, 20)):
                words.append(Word(t, t + 0.3, f" w{s}x{g}x{len(words)}"))
                t += 0.35
            t += 0.5
            speaker = rng.choice(people).id
            session_segments.append(Segment(words[0].start, words[-1].end,
                                            "".join(w.text for w in words).strip(), words,
                                            speaker_id=speaker))
        markers = [Marker(MarkerKind.STRIKE, x, end_s=x + 2.0)
                   for x in (rng.uniform(0, t) for _ in range(5))]
        all_sessions.append(Session(id=sid, consultation_id="c", title=sid, markers=markers,
                                    participant_ids=[p.id for p in people]))
        segments[sid] = session_segments
        for _ in range(per_session):
            segment = rng.choice(session_segments)
            first = rng.randrange(len(segment.words))
            quote = new_quote(sid, segment.speaker_id, segment.words[first:first + 8])
            decision = rng.choice([Decision.APPROVE, Decision.APPROVE, Decision.WITHDRAW,
                                   Decision.REDACT])
            redactions = [0] if decision is Decision.REDACT else None
            quote, _ = decide(quote, decision, "t", redactions=redactions)
            made.append(quote)
    return people, all_sessions, segments, made


def time_core(quotes: int, sessions: int, repeats: int) -> tuple[list[float], list[float]]:
    """Wall and CPU milliseconds of each decision (CPU time holds steady on a busy machine)."""
    people, all_sessions, segments, made = consultation(quotes, sessions)
    times, cpu = [], []
    for _ in range(repeats):
        started, started_cpu = time.perf_counter(), time.thread_time()
        # As an export does it: decide once, then shape quotes and transcripts.
        privacy = privacy_by_session(made, people, all_sessions, segments)
        exportable_quotes(made, people, privacy=privacy)
        for session in all_sessions:
            consented_transcript(session, segments[session.id], people, made,
                                 privacy[session.id])
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - started_cpu) * 1000)
    return times, cpu


def sequences_per_minute(sequences: int) -> float:
    env = dict(os.environ, FACILITATE_PRIVACY_EXAMPLES=str(sequences))
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "tests/test_privacy_property.py"],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        print(result.stdout[-3000:], result.stderr[-2000:])
        raise SystemExit("the privacy property test failed")
    return sequences / elapsed * 60


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quotes", type=int, default=2000)
    parser.add_argument("--sessions", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sequences", type=int, default=200,
                        help="random action sequences for the property test (0: skip)")
    args = parser.parse_args()
    times, cpu = time_core(args.quotes, args.sessions, args.repeats)
    median = statistics.median(cpu)
    verdict = "met" if median < GOAL_MS else "MISSED"
    print(f"privacy core, {args.quotes} quotes over {args.sessions} sessions: "
          f"median {median:.1f} ms of CPU (wall: median {statistics.median(times):.1f} ms, "
          f"best {min(times):.1f} ms; goal < {GOAL_MS:.0f} ms: {verdict})")
    if args.sequences:
        rate = sequences_per_minute(args.sequences)
        print(f"property test: {rate:.0f} random action sequences per minute "
              f"({args.sequences} checked, each exported in every format and read back)")


if __name__ == "__main__":
    main()
