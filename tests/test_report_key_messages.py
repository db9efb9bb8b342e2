"""Key messages typed as a list print as one list, in every report format.

The editor asks for one message a line; facilitators often start each with
"- " or "1. " out of habit. The report draws its own bullets, so a typed
marker is left out rather than printed after the bullet ("• - Transport").
"""

from __future__ import annotations

from models.report_frame import KEY_MESSAGES, ReportFrame, edit_frame


def _messages(text: str) -> list[str]:
    frame, _ = edit_frame(ReportFrame(), KEY_MESSAGES, text, "t")
    return frame.messages


def test_typed_bullets_and_numbers_are_left_out() -> None:
    typed = "- Transport\n* Staff who listen\n• A place to go\n1. Peer support\n2) Money\n(a) Art"
    assert _messages(typed) == [
        "Transport", "Staff who listen", "A place to go", "Peer support", "Money", "Art",
    ]


def test_messages_that_only_look_like_lists_are_kept_whole() -> None:
    kept = ["-5 degrees in the hall", "10 people came", "2024 was hard", "I. M. Pei-style rooms",
            "U.K. rules", "A bus every hour"]
    assert _messages("\n".join(kept)) == kept
    assert _messages("- \n-\n  \n1.\nOnly this") == ["Only this"]  # bare markers are no message
