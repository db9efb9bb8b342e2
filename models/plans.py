"""Session plan templates for the activities facilitators run."""

from __future__ import annotations

from models.session import ActivityKind, PlanStep, StepKind

#: Questions the commissioners asked, used as discussion prompts.
COMMISSIONERS_PROMPTS = [
    "What do you value most about this service?",
    "What would you miss if it changed or closed?",
    "How do you get here, and what makes that hard?",
    "Does the service reach people like you? Who is missing?",
    "What should the commissioners measure to know it works?",
]

#: The check-in question: a face or a word, and no one has to answer (w on the run screen).
CHECK_IN_PROMPT = "How is everyone today? Pick a face or a word, or rather not say (w)."


def discussion_plan() -> list[PlanStep]:
    """A discussion group: welcome, consent, warm-up with check-in, discussion, check-out."""
    return [
        PlanStep("Welcome and ground rules", 10, [
            "Introduce yourself and why we are here.",
            "Agree ground rules: one voice at a time, what is said here stays here.",
        ]),
        PlanStep("Consent", 5, [
            "Explain the recording, how quotes are used, and that anyone can say no.",
            "Ask each person for recording consent.",
        ]),
        PlanStep("Warm-up", 10, [
            CHECK_IN_PROMPT, "What brought you here today?",
        ], StepKind.CHECK_IN),
        PlanStep("Discussion", 45, list(COMMISSIONERS_PROMPTS)),
        PlanStep("Wellbeing check-out", 10, [
            "How are you feeling after today? A face or a word, or rather not say (w).",
            "Who would like a follow-up? (f adds someone to the list)",
        ], StepKind.CHECK_OUT),
    ]


def arts_plan(activity: ActivityKind) -> list[PlanStep]:
    """An arts session: the discussion runs while people make something together."""
    making = activity.value if activity is not ActivityKind.OTHER else "the activity"
    return [
        PlanStep("Welcome and ground rules", 10, [
            "Introduce yourself, the activity and why we are here.",
            "Agree ground rules: one voice at a time, what is said here stays here.",
        ]),
        PlanStep("Consent", 5, [
            "Explain the recording, how quotes are used, and that anyone can say no.",
            "Ask each person for recording consent.",
        ]),
        PlanStep("Warm-up", 10, [
            CHECK_IN_PROMPT, f"Set up for {making}; what would you like to make today?",
        ], StepKind.CHECK_IN),
        PlanStep(f"Activity: {making} with discussion", 60, list(COMMISSIONERS_PROMPTS)),
        PlanStep("Wellbeing check-out", 10, [
            "How are you feeling after today? A face or a word, or rather not say (w).",
            "Who would like a follow-up? (f adds someone to the list)",
        ], StepKind.CHECK_OUT),
    ]


def plan_for(activity: ActivityKind) -> list[PlanStep]:
    """Return the template plan for ``activity``."""
    if activity is ActivityKind.DISCUSSION:
        return discussion_plan()
    return arts_plan(activity)
