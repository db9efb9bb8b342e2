"""Benchmark: the reach view and the follow-up suggestions of a large consultation.

``--sessions`` sessions and ``--participants`` people (each came to a run of
sessions, checked in, and described themselves or not), kept in a real store in
a temporary folder. Two figures each, goal under 100 ms:

- the domain alone (counting, suppression, suggestions on loaded records);
- through the store, as the screens ask (reading every participant included).

Run small in CI::

    python benchmarks/reach.py --sessions 10 --participants 50
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from models import ConsentRecord, Participant, RecordingConsent, Session  # noqa: E402
from models.reach import AGE_BANDS, AREA_TYPES, ETHNIC_ANSWERS, GENDERS, reach_view  # noqa: E402
from models.wellbeing import (  # noqa: E402
    CheckIn,
    Feeling,
    Moment,
    missed_suggestions,
)
from sessions.store import Workspace  # noqa: E402
from sessions.wellbeing import consultation_reach, follow_up_list  # noqa: E402

GOAL_MS = 100.0


def consultation(sessions: int, participants: int, seed: int = 13):
    """Sessions and people, with attendance, check-ins and reach answers, in memory."""
    rng = random.Random(seed)
    all_sessions = [
        Session(id=f"s-{k}", consultation_id="c-1", title=f"Session {k}",
                date=f"2026-{1 + k // 28 % 12:02d}-{1 + k % 28:02d}",
                created_at=f"2026-01-01T00:00:{k % 60:02d}+00:00")
        for k in range(sessions)
    ]
    people = []
    for n in range(participants):
        person = Participant(id=f"p-{n}", pseudonym=f"P{n}")
        first = rng.randrange(sessions)
        for k in range(first, min(sessions, first + rng.randint(1, 12))):
            sid = all_sessions[k].id
            person.consent[sid] = ConsentRecord(RecordingConsent.YES, "t")
            feeling = rng.choice(list(Feeling))
            person.wellbeing.append(CheckIn(sid, Moment.CHECK_IN, feeling, "t"))
        if rng.random() < 0.8:
            person.reach = {
                "age band": rng.choice(AGE_BANDS),
                "gender": rng.choice(GENDERS),
                "ethnic group": rng.choice(ETHNIC_ANSWERS),
                "area type": rng.choice(AREA_TYPES),
                "postcode district": f"LS{rng.randint(1, 30)}",
            }
        people.append(person)
    reference = {"age band": {band: 100 / len(AGE_BANDS) for band in AGE_BANDS}}
    return all_sessions, people, reference


def timed(work, repeats: int) -> list[float]:
    """CPU milliseconds of each run (CPU time holds steady on a busy machine)."""
    times = []
    for _ in range(repeats):
        started = time.thread_time()
        work()
        times.append((time.thread_time() - started) * 1000)
    return times


def report(name: str, times: list[float]) -> None:
    median = statistics.median(times)
    verdict = "met" if median < GOAL_MS else "MISSED"
    print(f"{name}: median {median:.1f} ms of CPU, best {min(times):.1f} ms "
          f"(goal < {GOAL_MS:.0f} ms: {verdict})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--participants", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    all_sessions, people, reference = consultation(args.sessions, args.participants)
    print(f"{args.sessions} sessions, {args.participants} participants, "
          f"{sum(len(p.consent) for p in people)} attendances")
    report("reach view (domain)", timed(lambda: reach_view(people, reference), args.repeats))
    # The hardest table to suppress: people spread thinly over many districts.
    spread = [Participant(id=p.id, pseudonym=p.pseudonym,
                          reach={"postcode district": f"LS{n % 400 + 1}"})
              for n, p in enumerate(people)]
    report("reach view, 400 postcode districts (domain)",
           timed(lambda: reach_view(spread, reference), args.repeats))
    report("follow-up suggestions (domain)",
           timed(lambda: missed_suggestions(all_sessions, people, 2), args.repeats))
    with tempfile.TemporaryDirectory() as folder:
        store = Workspace(Path(folder)).create_consultation("Benchmark")
        with store.transaction():
            consultation_record = store.consultation()
            consultation_record.reach_reference = reference
            store.save_consultation(consultation_record)
            for session in all_sessions:
                store.save_session(session)
            for person in people:
                store.save_participant(person)
        report("reach view (from the store)",
               timed(lambda: consultation_reach(store), args.repeats))
        report("follow-up list and suggestions (from the store)",
               timed(lambda: follow_up_list(store), args.repeats))


if __name__ == "__main__":
    main()
