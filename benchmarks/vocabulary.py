"""Benchmark: does a consultation's vocabulary help the model hear its own words?

Transcribes the synthesised clips in ``tests/data/vocabulary`` (espeak-ng voices
saying sentences with towns, venues, services and activity words) and the
general clips in ``tests/data`` (jfk, LibriSpeech) through the app's own
Transcriber, without and with the vocabulary in ``words.txt``, and prints:
keyword recall (of the times a vocabulary word was said, how many were heard),
word error on the synthesised and on the general clips, and the time each took.
Goal: recall up, general word error no worse, and a speed cost under 10%.
Runs alternate without/with, so neither gains from going second. The speed cost
is measured in CPU seconds of this process: on a shared machine the wall clock
moved by half between two identical runs, the CPU time by a tenth.

    python benchmarks/vocabulary.py                     # every voice and sentence
    python benchmarks/vocabulary.py --voices 1 --sentences 2 --no-general  # for CI
    python benchmarks/vocabulary.py --max-chars 80 160 240     # compare hint lengths
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
CLIPS = DATA / "vocabulary"
#: The general clips and what they say (tests/data/README.md).
GENERAL = {
    "jfk.flac": "And so my fellow Americans, ask not what your country can do for you, "
    "ask what you can do for your country.",
    "librispeech_1089-134686-0001.wav": "STUFF IT INTO YOU HIS BELLY COUNSELLED HIM",
}
SPEED_GOAL = 0.10


@dataclass
class Tally:
    """What one way of transcribing heard, summed over the clips."""

    recalled: int = 0
    said: int = 0
    errors: list[float] = field(default_factory=list)
    general: list[float] = field(default_factory=list)
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    general_cpu_seconds: float = 0.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voices", type=int, default=4, help="how many voices' clips (1-4)")
    parser.add_argument("--sentences", type=int, default=0, help="first N sentences (0: all)")
    parser.add_argument("--max-chars", type=int, nargs="*", default=[],
                        help="hint lengths to compare (default: the app's)")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads (0: default)")
    parser.add_argument("--no-general", action="store_true", help="skip jfk and LibriSpeech")
    parser.add_argument("--show", action="store_true", help="print what each way heard")
    return parser.parse_args(argv)


def load_clips(voices: int, sentences: int) -> list[tuple[object, str]]:
    """The synthesised clips as (samples, what was said), cut after ``sentences``."""
    from sessions.audio import load_audio

    index = json.loads((CLIPS / "clips.json").read_text(encoding="utf-8"))
    rate = index["sample_rate"]
    found = []
    for clip in index["clips"][:voices]:
        said = clip["sentences"][: sentences or None]
        samples = load_audio(CLIPS / clip["file"], rate)
        end = said[-1]["end"] + 0.5  # into the gap after the last sentence
        found.append((samples[: int(end * rate)], " ".join(s["text"] for s in said)))
    return found


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print labelled figures; exit 0 whatever the figures are."""
    args = parse_args(argv)
    sys.path.insert(0, str(ROOT))  # run from a checkout without installing

    import models.vocabulary as vocabulary_rules
    from models.accuracy import terms_recalled, word_error
    from sessions.audio import load_audio
    from sessions.locations import models_dir, workspace_root
    from sessions.transcriber import Transcriber
    from sessions.vocabulary import read_terms_file
    from sessions.whisper_models import resolve_model

    terms = read_terms_file(CLIPS / "words.txt")
    clips = load_clips(max(1, min(args.voices, 4)), args.sentences)
    general = [] if args.no_general else [
        (load_audio(DATA / name, 16000), text) for name, text in GENERAL.items()
    ]
    model = resolve_model(None, models_dir(workspace_root(None)))
    transcriber = Transcriber(model, cpu_threads=args.threads)
    transcriber.load()
    transcriber.transcribe(clips[0][0][:16000])  # warm up, untimed

    budgets = args.max_chars or [vocabulary_rules.MAX_HINT_CHARS]
    ways: dict[str, tuple[list[str], int]] = {"without": ([], 0)}
    for budget in budgets:
        ways[f"with ({budget} chars)"] = (terms, budget)
    tallies = {name: Tally() for name in ways}
    default_budget = vocabulary_rules.MAX_HINT_CHARS

    def heard(samples: object, name: str) -> tuple[str, float, float]:
        given, budget = ways[name]
        vocabulary_rules.MAX_HINT_CHARS = budget or default_budget
        started, cpu = time.perf_counter(), time.process_time()
        segments = transcriber.transcribe(samples, vocabulary=given)  # type: ignore[arg-type]
        text = " ".join(s.text for s in segments)
        return text, time.perf_counter() - started, time.process_time() - cpu

    order = list(ways)
    for samples, said in clips:
        for name in order:
            text, seconds, cpu = heard(samples, name)
            tally = tallies[name]
            found, total = terms_recalled(terms, said, text)
            tally.recalled += found
            tally.said += total
            tally.errors.append(word_error(said, text))
            tally.seconds += seconds
            tally.cpu_seconds += cpu
            if args.show:
                print(f"  [{name}] {text}")
        order.reverse()
    for samples, said in general:
        for name in order:
            text, _seconds, cpu = heard(samples, name)
            tallies[name].general.append(word_error(said, text))
            tallies[name].general_cpu_seconds += cpu
            if args.show:
                print(f"  [{name}] {text}")
        order.reverse()
    vocabulary_rules.MAX_HINT_CHARS = default_budget

    audio_s = sum(len(s) for s, _ in clips) / 16000  # type: ignore[arg-type]
    print(f"model {model.name}, {len(clips)} synthesised clips ({audio_s:.0f} s), "
          f"{len(terms)} vocabulary words")
    base = tallies["without"]
    for name, tally in tallies.items():
        recall = tally.recalled / tally.said if tally.said else 0.0
        wer = sum(tally.errors) / len(tally.errors)
        general_wer = ", ".join(f"{e:.3f}" for e in tally.general)
        cost = tally.cpu_seconds / base.cpu_seconds - 1 if base.cpu_seconds else 0.0
        general_cost = (tally.general_cpu_seconds / base.general_cpu_seconds - 1
                        if base.general_cpu_seconds else 0.0)
        print(f"{name:>18}: keyword recall {recall:.2f} ({tally.recalled}/{tally.said}), "
              f"wer {wer:.3f}, general wer [{general_wer}]; "
              f"cpu {tally.cpu_seconds:.1f} s (speed cost {cost:+.0%}, goal < {SPEED_GOAL:.0%}), "
              f"wall {tally.seconds:.1f} s; general cpu {tally.general_cpu_seconds:.1f} s "
              f"({general_cost:+.0%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
