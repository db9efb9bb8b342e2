"""The run screen: record the session, follow the plan, and mark what happens.

The recorder's own threads capture and write the audio; this screen only reads
its properties a few times a second and calls quick methods on key presses.
Saving the FLAC at the end runs in a worker. Checking the microphone runs in a
worker too, since loading PortAudio and listing devices can take a moment; so
does listing the microphones to choose from (``d``) before recording starts.

Recording goes on under every dialog this screen opens (facilitate.screens.run_dialogs),
and so does marking: ``1``-``9`` and ``m`` reach this screen's actions from the
dialog, which stays up. A strike dialog shows the exact span it strikes, live,
and confirming strikes exactly that span.

Live transcription (on unless ``live=False`` or ``FACILITATE_LIVE=0``): the run
service transcribes while recording; each new piece reaches this screen as a
:class:`RunScreen.LiveUpdated` message posted from the live worker thread, and
the last few segments show with their time and speaker. At stop, the same save
worker finishes the transcript ("Finishing the transcript…") and the screen
closes onto the session, transcript ready.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Digits, Footer, Header, Label, Static
from textual.worker import get_current_worker

from facilitate.plain_text import plain, rich_plain, shown
from facilitate.screens.run_dialogs import (
    ConfirmScreen,
    MicrophoneScreen,
    StrikeScreen,
    StrikeSpan,
    StrikeSpanScreen,
    stop_dialog,
)
from facilitate.widgets.level_meter import LevelMeter
from models import MarkerKind, Participant, PlanStep, RecordingConsent, format_clock
from sessions.consent import consent_rows
from sessions.errors import FacilitateError
from sessions.recorder import NO_INPUT, InputDevice, format_duration
from sessions.run import LIVE_HOLD_S, RunningSession, hours_left, start_recording
from sessions.services import Services
from sessions.store import ConsultationStore

if TYPE_CHECKING:
    from sessions.transcriber import Progress

CHECK = "run-check"
DEVICES = "run-devices"
SAVE = "run-save"
#: Seconds a plain ``s`` takes off the record: what the live model is kept behind by.
STRIKE_S = LIVE_HOLD_S
#: Live transcript segments shown while recording.
LIVE_LINES = 6
#: Below this much free disk the disk line turns red.
LOW_DISK_HOURS = 1.0


def speaker_keys() -> list[Binding]:
    """``1``-``9``: who is speaking now (one footer entry for all nine)."""
    return [
        Binding(str(n), f"speaker({n})", "Who is speaking", key_display="1-9", show=n == 1)
        for n in range(1, 10)
    ]


def live_wanted() -> bool:
    """Live transcription is on unless ``FACILITATE_LIVE=0``."""
    return os.environ.get("FACILITATE_LIVE", "1") != "0"


class RunScreen(Screen[str | None]):
    """Run and record one session.

    Dismisses with "transcribed" once the live transcript is saved, or with
    "transcribe" when the facilitator asks for a whole-file transcription.
    """

    @dataclass
    class LiveUpdated(Message):
        """The live transcript grew (posted from the live worker thread)."""

        done_s: float

        def can_replace(self, message: Message) -> bool:
            """Only the newest state matters: the screen reads the transcript itself."""
            return isinstance(message, RunScreen.LiveUpdated)

    @dataclass
    class Finishing(Message):
        """How far saving and finishing the transcript at stop has got."""

        stage: str
        fraction: float | None = None

        def can_replace(self, message: Message) -> bool:
            """A newer report of the same stage replaces an older one."""
            return isinstance(message, RunScreen.Finishing) and message.stage == self.stage

    CSS_PATH = "run.tcss"
    #: Below 32 rows (an 80x24 terminal) the panes close up, so the plan's prompts
    #: and everyone's speaker key stay in view (run.tcss, ``.-short``).
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]
    BINDINGS = [
        Binding("r", "record", "Record / pause"),
        Binding("m", "moment", "Mark moment"),
        *speaker_keys(),
        Binding("s", "strike", "Strike 30 s"),
        Binding("S", "strike_span", "Strike…", key_display="S"),
        Binding("n", "next_step", "Next step"),
        Binding("d", "microphone", "Microphone"),
        Binding("t", "stop", "Stop"),
        # w and f are named in the plan's check-in and check-out prompts (the footer is full).
        Binding("w", "check_in", "Check-in", show=False),
        Binding("f", "follow_up", "Follow up", show=False),
        Binding("space", "ask_to_stop", "Stop for someone", key_display="space"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, store: ConsultationStore, session_id: str,
                 services: Services | None = None, live: bool | None = None) -> None:
        """Run ``session_id``; with ``services`` (and ``live``) it is transcribed live."""
        super().__init__()
        self.store = store
        self.session_id = session_id
        self.services = services
        #: Whether to transcribe while recording (needs ``services`` for the model).
        self.live = (live_wanted() if live is None else live) and services is not None
        self.run: RunningSession | None = None
        self.plan: list[PlanStep] = []
        #: Everyone in the session, numbered 1.. in this order for the speaker keys.
        self.people: list[Participant] = []
        self.step_index = 0
        self.step_started = time.monotonic()
        #: One line when recording cannot work here; None once the check passed.
        self.input_problem: str | None = None
        #: The microphone chosen with ``d``; None records from the system's default.
        self.device: InputDevice | None = None
        self.checked = False
        self.saving = False
        #: How to close once a dialog on top is gone, when saving ended under it.
        self.closing: str | None = None
        self._error_shown = False
        self._live_problem_shown = False

    # -- layout ------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        """Indicator, clock and meters on top; the plan step and the people below."""
        yield Header()
        with Horizontal(id="top"):
            yield Static("", id="indicator")
            yield Digits("0:00", id="elapsed")
            with Vertical(id="meters"):
                yield LevelMeter(id="level")
                yield Label("", id="disk")
                yield Label("", id="speaking")
                yield Label("", id="microphone")
        yield Label("", id="problem")
        with Horizontal(id="middle"):
            with Vertical(id="step-pane"):
                yield Label("", id="step-title")
                yield Static("", id="prompts")
                yield Label("", id="next-step")
            with Vertical(id="people-pane"):
                yield Static("", id="people")
                yield Static("", id="marks")
        with Vertical(id="live-pane"):
            yield Static("", id="live-log")
        yield Label("", id="finishing")
        yield Footer()

    def on_mount(self) -> None:
        """Load the session, check the microphone, and start the live refresh."""
        try:
            session = self.store.session(self.session_id)
            rows = consent_rows(self.store, self.session_id)
        except FacilitateError as error:
            self.notify(str(error), severity="error")
            return
        self.sub_title = shown(f"Run: {session.title}")
        self.plan = list(session.plan)
        self.people = [row.participant for row in rows]
        self.query_one("#problem").display = False
        self.query_one("#step-pane").border_title = "Plan"
        self.query_one("#people-pane").border_title = "Who is speaking"
        self.query_one("#live-pane").border_title = "Live transcript"
        self.query_one("#finishing").display = False
        self.show_live_transcript()
        self.show_microphone()
        self.check_microphone()
        self.show_step()
        self.show_people()
        self.show_disk()
        self.show_live()
        self.set_interval(0.1, self.show_live)
        self.set_interval(5.0, self.show_disk)

    # -- live display --------------------------------------------------------------

    def show_live(self) -> None:
        """Indicator, clock, level and step timer: read from the recorder, never blocking."""
        run = self.run
        if run is not None and run.is_recording:
            run.tick()
        indicator = self.query_one("#indicator", Static)
        if run is None:
            state, text = "idle", "■ NOT RECORDING"
        elif run.is_recording and run.is_paused:
            state, text = "paused", "❚❚ PAUSED"
        elif run.is_recording:
            state, text = "rec", "● REC"
        else:
            state, text = "stopped", "■ SAVING…" if self.saving else "■ STOPPED"
        indicator.update(text)
        indicator.set_classes(f"-{state}")
        elapsed = run.elapsed_s if run is not None else 0.0
        self.query_one("#elapsed", Digits).update(format_duration(elapsed))
        self.query_one(LevelMeter).level = run.level if run is not None else 0.0
        self._show_timer()
        if run is not None and run.live_problem and not self._live_problem_shown:
            self._live_problem_shown = True
            self.notify(run.live_problem, title="Live transcription", severity="warning",
                        timeout=15)
            self.show_live_transcript()
        if run is not None and run.error and not self._error_shown:
            self._error_shown = True
            self.notify(run.error, title="Recording stopped", severity="error", timeout=30)
            self.save()

    def show_live_transcript(self) -> None:
        """The last few live segments: time, speaker and words (struck words never)."""
        log = self.query_one("#live-log", Static)
        run = self.run
        if not self.live:
            log.update(Text("Live transcription is off; the recording is transcribed "
                            "when it stops.", style="dim"))
            return
        if run is None or (not run.live_on and run.live is None):
            problem = run.live_problem if run is not None else None
            log.update(Text(problem or "The transcript appears here while recording, about "
                            f"{STRIKE_S:.0f} s behind (so a strike is never heard).",
                            style="dim"))
            return
        segments = run.live_transcript()[-LIVE_LINES:]
        if not segments:
            waiting = run.live_problem or (
                f"Listening… the transcript follows about {STRIKE_S:.0f} s behind.")
            log.update(Text(waiting, style="dim"))
            return
        names = {p.id: p.pseudonym for p in self.people}
        text = Text(no_wrap=True, overflow="ellipsis")
        for number, segment in enumerate(segments):
            if number:
                text.append("\n")
            text.append(f"{format_duration(segment.start):>6}  ", style="dim")
            name = names.get(segment.speaker_id or "", "—")
            text.append(f"{shown(name)[:12]:<12} ", style="bold")
            text.append(shown(segment.text))
        log.update(text)

    @on(LiveUpdated)
    def _live_updated(self, message: LiveUpdated) -> None:
        self.show_live_transcript()

    @on(Finishing)
    def _finishing(self, message: Finishing) -> None:
        line = self.query_one("#finishing", Label)
        done = f"  {message.fraction:.0%}" if message.fraction is not None else ""
        line.update(f"{message.stage}{done}")
        line.display = True

    def show_disk(self) -> None:
        """Free disk, as hours of recording left."""
        disk = self.query_one("#disk", Label)
        try:
            hours = hours_left(self.store.audio_dir)
        except OSError as error:
            disk.update(f"Disk: cannot check ({error.strerror})")
            return
        left = f"{hours:.0f} h" if hours >= 10 else format_clock(hours * 3600)
        disk.update(Text.assemble(("Disk ", "dim"), f"{left} of recording left"))
        disk.set_class(hours < LOW_DISK_HOURS, "-low")

    def show_step(self) -> None:
        """The current step, its prompts, and the next step."""
        title = self.query_one("#step-title", Label)
        prompts = self.query_one("#prompts", Static)
        upcoming = self.query_one("#next-step", Label)
        if not self.plan:
            title.update("No plan for this session (p on the session screen makes one).")
            prompts.update("")
            upcoming.update("")
            return
        step = self.plan[self.step_index]
        title.update(Text.assemble(
            (f"Step {self.step_index + 1} of {len(self.plan)}  ", "dim"),
            (shown(step.title), "bold"),
        ))
        listed = "\n".join(f"• {prompt}" for prompt in step.prompts)
        prompts.update(plain(listed, multiline=True) if listed else "No prompts.")
        if self.step_index + 1 < len(self.plan):
            following = self.plan[self.step_index + 1]
            upcoming.update(
                plain(f"Next: {following.title} ({following.minutes} min)   n moves on")
            )
        else:
            upcoming.update("This is the last step.")
        self._show_timer()

    def _show_timer(self) -> None:
        pane = self.query_one("#step-pane")
        if not self.plan:
            pane.border_subtitle = ""
            return
        spent = time.monotonic() - self.step_started
        planned = self.plan[self.step_index].minutes * 60
        pane.border_subtitle = f"{format_clock(spent)} of {format_clock(planned)}"
        pane.set_class(spent > planned, "-over")

    def show_people(self) -> None:
        """Everyone, numbered for the speaker keys; who is not recorded says so."""
        text = Text()
        speaking = self.run.speaker_id if self.run is not None else None
        for number, person in enumerate(self.people[:9], 1):
            recorded = person.consent_for(self.session_id) is RecordingConsent.YES
            style = "reverse bold" if person.id == speaking else ""
            text.append(f" {number} ", style="bold " + ("green" if recorded else "red"))
            text.append(shown(person.pseudonym), style=style)
            if not recorded:
                text.append(" · not recorded", style="red")
            text.append("\n")
        if len(self.people) > 9:
            text.append(f"(+{len(self.people) - 9} more without a key)\n", style="dim")
        self.query_one("#people", Static).update(text)
        speaker = next((p for p in self.people if p.id == speaking), None)
        line = self.query_one("#speaking", Label)
        if speaker is None:
            line.update(Text("Speaking —", style="dim"))
        else:
            note = "" if speaker.consent_for(self.session_id) is RecordingConsent.YES else \
                " (not recorded: silenced)"
            line.update(
                Text.assemble(("Speaking ", "dim"), (shown(speaker.pseudonym), "bold"), note)
            )

    def show_marks(self) -> None:
        """The latest marks, newest last."""
        try:
            markers = self.store.session(self.session_id).markers
        except FacilitateError:
            return
        names = {p.id: p.pseudonym for p in self.people}
        lines = []
        for marker in markers[-5:]:
            at = format_duration(marker.at_s)
            if marker.kind is MarkerKind.SPEAKER:
                what = f"{names.get(marker.participant_id or '', '?')} speaking"
            elif marker.kind is MarkerKind.STRIKE:
                what = f"struck {at}–{format_duration(marker.end_s or marker.at_s)}"
            elif marker.kind is MarkerKind.STEP:
                what = f"step: {marker.label}"
            else:
                what = "moment"
            lines.append(f"{at}  {what}")
        self.query_one("#marks", Static).update(
            rich_plain("\n".join(lines), style="dim", multiline=True)
        )

    def show_microphone(self) -> None:
        """Which microphone records: the one chosen, or the system's default."""
        name = self.device.name if self.device is not None else "the default"
        hint = "  (d changes)" if self.run is None else ""
        self.query_one("#microphone", Label).update(
            Text.assemble(("Mic ", "dim"), shown(name), (hint, "dim")))

    # -- microphone check ------------------------------------------------------------

    def check_microphone(self) -> None:
        """Check, as an app job, whether recording can work here."""
        from sessions.recorder import check_input

        self.app.run_job(f"{CHECK}:{id(self)}", check_input, owner=self,
                         on_success=self._input_checked, on_failure=self._input_checked,
                         toast_failure=False)  # the line shows on the screen

    def _input_checked(self, problem: str | None) -> None:
        """None: recording can work here; else one line saying why not."""
        self.checked = True
        self.input_problem = problem
        line = self.query_one("#problem", Label)
        line.update(f"Cannot record here: {problem}" if problem else "")
        line.display = bool(problem)
        self.show_live()

    def list_microphones(self) -> None:
        """List the inputs PortAudio can see, as an app job (DeviceError without PortAudio)."""
        from sessions.recorder import input_devices

        self.app.run_job(f"{DEVICES}:{id(self)}", input_devices, owner=self,
                         title="Cannot record", on_success=self._microphones_listed)

    def _microphones_listed(self, devices: list[InputDevice]) -> None:
        if not devices:
            self.notify(NO_INPUT, title="Cannot record", severity="error")
            return
        chosen = self.device.index if self.device is not None else None
        self.app.push_screen(MicrophoneScreen(devices, chosen), callback=self._microphone_chosen)

    def _saved(self, result: str) -> None:
        """The recording is saved ("saved"), and its transcript finished ("transcribed")."""
        self._save_ended()
        if result == "transcribed":
            count = len(self.store.segments(self.session_id))
            self.notify(f"Transcript ready: {count} segments.", title="Recording saved")
            self.close_with("transcribed")
            return
        if self.run and self.run.recording:
            saved = format_duration(self.run.recording.duration_s)
            self.notify(f"Saved {saved} of recording.", title="Recording saved")
            self.app.push_screen(
                ConfirmScreen(f"Recording saved ({saved}). Transcribe it now?",
                              "Transcribe", "Later"),
                callback=self._transcribe_now,
            )

    def _save_failed(self, line: str) -> None:
        self._save_ended()
        saved = self.run is not None and self.run.stopped
        title = "Transcript not finished" if saved else "Not saved"
        self.notify(line, title=title, severity="error", timeout=30, markup=False)

    def _save_ended(self) -> None:
        self.saving = False
        self.refresh_bindings()
        self.query_one("#finishing").display = False
        self.show_live()

    def _microphone_chosen(self, device: InputDevice | None) -> None:
        if device is None or self.run is not None:
            return
        self.device = device
        self.show_microphone()
        self.notify(f"Recording from {device.name}.", title="Microphone", timeout=3)

    def _transcribe_now(self, yes: bool | None) -> None:
        if yes:
            self.close_with("transcribe")

    def close_with(self, result: str) -> None:
        """Close with ``result`` now, or once the dialog on top of this screen is closed.

        Saving ends in the background, often while the facilitator runs the
        check-out round (w) or has someone on the calm screen: closing then would
        take that dialog away instead, and leave this screen behind, already closed.
        """
        if self.app.screen is self:
            self.dismiss(result)
        else:
            self.closing = result

    def on_screen_resume(self) -> None:
        """Back on top (a dialog closed): close now if saving ended meanwhile."""
        if self.closing is not None:
            result, self.closing = self.closing, None
            self.dismiss(result)

    # -- actions ---------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Marks only while recording; nothing but waiting while the file is saved."""
        live = self.run is not None and self.run.is_recording
        if action in ("moment", "speaker", "strike", "strike_span"):
            return True if live else None
        if action == "stop":
            can_stop = self.run is not None and not self.run.stopped and not self.saving
            return True if can_stop else None
        if action == "record":
            return None if self.saving or (self.run is not None and not live) else True
        return True

    def _need_recording(self) -> RunningSession | None:
        run = self.run
        if run is None or not run.is_recording:
            self.notify("Not recording: r starts the recording.", severity="warning")
            return None
        return run

    def action_record(self) -> None:
        """Start recording, or pause / resume it."""
        run = self.run
        if run is not None:
            if not run.is_recording:
                return
            try:
                if run.is_paused:
                    run.resume()
                else:
                    run.pause()
            except FacilitateError as error:
                self.notify(str(error), title="Microphone", severity="error")
            self.show_live()
            return
        if self.input_problem:
            self.notify(self.input_problem, title="Cannot record", severity="error")
            return
        transcriber = None
        if self.live and self.services is not None:
            try:
                transcriber = self.services.transcriber()
            except FacilitateError as error:  # e.g. no model: record anyway
                self.notify(f"Live transcription is off: {error}", title="Live transcription",
                            severity="warning", timeout=15)
        try:
            self.run = start_recording(
                self.store, self.session_id,
                device=self.device.index if self.device is not None else None,
                step_index=self.step_index,
                transcriber=transcriber,
                on_live_update=lambda update: self.post_message(
                    self.LiveUpdated(update.done_s)),
            )
        except FacilitateError as error:
            self.notify(str(error), title="Cannot start recording", severity="error", timeout=15)
            return
        self.refresh_bindings()
        self.show_live()
        self.show_marks()
        self.show_microphone()
        self.show_live_transcript()

    def action_microphone(self) -> None:
        """Choose the microphone (listed in a worker); only before recording starts."""
        if self.run is not None:
            self.notify("The microphone can't be changed once recording has started.",
                        severity="warning")
            return
        if self.input_problem:
            self.notify(self.input_problem, title="Cannot record", severity="error")
            return
        self.list_microphones()

    def action_moment(self) -> None:
        """Mark this moment to come back to."""
        run = self._need_recording()
        if run is not None:
            marker = run.mark_moment()
            self.notify(f"Moment marked at {format_duration(marker.at_s)}.", timeout=2)
            self.show_marks()

    def action_speaker(self, number: int) -> None:
        """Mark who is speaking now (their number on screen)."""
        run = self._need_recording()
        if run is None:
            return
        if not 1 <= number <= len(self.people):
            self.notify(f"Nobody has number {number}.", severity="warning", timeout=2)
            return
        run.mark_speaker(self.people[number - 1].id)
        self.show_people()
        self.show_marks()

    def action_strike(self) -> None:
        """Strike from 30 seconds before the key until the confirm, as the dialog shows."""
        run = self._need_recording()
        if run is None:
            return
        pressed = run.begin_strike()  # the live model waits while the dialog is open
        self.app.push_screen(
            StrikeScreen(pressed, lambda: run.elapsed_s, STRIKE_S),
            callback=lambda span: self._strike(span) if span else run.cancel_strike(),
        )

    def action_strike_span(self) -> None:
        """Ask how long before the key to strike from (until the confirm)."""
        run = self._need_recording()
        if run is None:
            return
        pressed = run.begin_strike()
        self.app.push_screen(
            StrikeSpanScreen(pressed, lambda: run.elapsed_s),
            callback=lambda span: self._strike(span) if span else run.cancel_strike(),
        )

    def _strike(self, span: StrikeSpan) -> None:
        """Strike exactly ``span``, the one the dialog showed when it was confirmed."""
        run = self.run
        if run is None or run.stopped:
            if run is not None:
                run.cancel_strike()
            return
        try:
            marker = run.strike(span)
        except (FacilitateError, RuntimeError) as error:
            self.notify(str(error), severity="error")
            return
        span_text = f"{format_duration(marker.at_s)}–{format_duration(marker.end_s or 0)}"
        self.notify(f"Struck {span_text}: silenced, never transcribed.", title="Struck")
        self.show_marks()
        self.show_live_transcript()

    def action_next_step(self) -> None:
        """Move on to the next step of the plan (marked in the recording)."""
        if self.step_index + 1 >= len(self.plan):
            self.notify("This is the last step.", timeout=2)
            return
        if self.run is not None and self.run.is_recording:
            self.run.next_step()
            self.step_index = self.run.step_index
            self.show_marks()
        else:
            self.step_index += 1
        self.step_started = time.monotonic()
        self.show_step()

    def action_stop(self) -> None:
        """Stop and save the recording, after a confirm."""
        if self.run is None or self.run.stopped or self.saving:
            return
        self.app.push_screen(
            stop_dialog(self.run.elapsed_s),
            callback=lambda yes: self.save() if yes else None,
        )

    def save(self) -> None:
        """Save the recording in a worker."""
        if self.run is None or self.run.stopped or self.saving:
            return
        self.saving = True
        self.refresh_bindings()
        self.app.run_job(
            f"{SAVE}:{self.session_id}", self._save, owner=self,
            on_success=self._saved, on_failure=self._save_failed, on_cancel=self._save_ended,
            toast_failure=False,  # _save_failed says whether the audio itself was saved
            cancelled_line="Stopped before the transcript was finished; the recording is kept.",
        )

    def _save(self) -> str:
        """Save the FLAC, then finish the live transcript: "transcribed" or "saved"."""
        run = self.run
        assert run is not None
        self.post_message(self.Finishing("Saving the recording…"))
        run.stop()

        def progress(report: Progress) -> None:
            self.post_message(self.Finishing("Transcribing the whole recording…",
                                             report.fraction))

        segments = run.finish_transcript(
            on_stage=lambda stage: self.post_message(self.Finishing(stage)),
            on_progress=progress,
            cancelled=get_current_worker().cancelled_event,
        )
        return "saved" if segments is None else "transcribed"

    @property
    def is_recording(self) -> bool:
        """Whether a recording is running here (paused counts): the app asks before quitting."""
        run = self.run
        return run is not None and not run.stopped and (run.is_recording or bool(run.error))

    # -- looking after people (facilitate.screens.wellbeing) ------------------------

    def action_check_in(self) -> None:
        """Ask each participant how they are: check-in or check-out, by the plan step."""
        from facilitate.screens.wellbeing import check_in_round, moment_for

        ended = self.saving or (self.run is not None and self.run.stopped)
        moment = moment_for(self.plan, self.step_index, ended)
        check_in_round(self, self.store, self.session_id, self.people, moment,
                       stop=self.action_ask_to_stop)

    def action_follow_up(self) -> None:
        """Put someone (who is speaking, to start with) on the follow-up list."""
        from facilitate.screens.wellbeing import follow_up_dialog

        speaking = self.run.speaker_id if self.run is not None else None
        follow_up_dialog(self, self.store, self.session_id, self.people, speaking)

    def action_ask_to_stop(self) -> None:
        """Someone asks to stop: pause the recording and show a calm screen."""
        from facilitate.screens.wellbeing import stop_for_someone

        stop_for_someone(self, self.run, resume=self.action_record)

    def action_back(self) -> None:
        """Back to the session; never while recording or saving."""
        if self.saving:
            self.notify("Saving the recording; a moment.", severity="warning")
            return
        if self.run is not None and not self.run.stopped and (
            self.run.is_recording or self.run.error
        ):
            self.notify("Still recording: t stops and saves it first.", severity="warning")
            return
        self.dismiss(None)

    def on_unmount(self) -> None:
        """Quitting the app while recording still saves the recording."""
        run = self.run
        if run is not None and not run.stopped and not self.saving:
            run.cancel_live()
            try:
                run.stop()
            except FacilitateError:
                pass  # the partial file stays; opening the session recovers it
