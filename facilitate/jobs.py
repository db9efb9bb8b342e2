"""Background work the app owns: jobs that start, finish, fail or are cancelled in one place.

A screen hands the app a function to run off the UI thread and says what to
do with the outcome. The worker belongs to the app, not to the screen, so
leaving a screen never stops a job whose toast said it carries on. The
outcome reaches the facilitator through one path:

- success: the job's ``report`` (a :class:`Notice`) is shown whether or not
  its screen is still open; ``on_success`` updates the screen while it is;
- cancelled (``Worker.cancel`` or the service raising
  :class:`~sessions.errors.Cancelled`): the job's cancel line, by default
  "Cancelled; nothing was changed.";
- failed: :meth:`~facilitate.app.FacilitateApp.report_failure` logs the
  traceback and shows one line; ``on_failure`` gets that line.

A job started again under the same name replaces the running one quietly (a
preview that is out of date says nothing when it is dropped).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from textual.message_pump import MessagePump
from textual.notifications import SeverityLevel
from textual.worker import Worker, WorkerState

from sessions.errors import Cancelled

if TYPE_CHECKING:
    from facilitate.app import FacilitateApp

T = TypeVar("T")

#: What a cancelled job says unless it knows better.
CANCELLED_LINE = "Cancelled; nothing was changed."


@dataclass(frozen=True)
class Notice:
    """A toast to show when a job is done, even if its screen has closed."""

    message: str
    title: str = ""
    severity: SeverityLevel = "information"
    timeout: float | None = None


@dataclass
class Job(Generic[T]):
    """One piece of background work and what to do with its outcome."""

    name: str
    worker: Worker[T]
    #: The screen (or widget) the callbacks update; they are skipped once it is gone.
    owner: MessagePump | None
    #: The title of the toast when the job fails or is cancelled.
    title: str = ""
    on_success: Callable[[T], object] | None = None
    on_cancel: Callable[[], object] | None = None
    on_failure: Callable[[str], object] | None = None
    report: Callable[[T], Notice | None] | None = None
    cancelled_line: str = CANCELLED_LINE
    #: The job's own line for an expected error (a folder it may not write), if it has one.
    explain: Callable[[BaseException], str | None] | None = None
    #: False when ``on_failure`` shows the line itself (under a form's field); the
    #: toast still comes if the owner has closed.
    toast_failure: bool = True
    #: Set when a newer job of the same name replaced this one: it ends quietly.
    superseded: bool = field(default=False, init=False)

    @property
    def owner_here(self) -> bool:
        """Whether the owner is still on screen (or there never was one)."""
        return self.owner is None or self.owner.is_attached


class Jobs:
    """The app's jobs by worker; :meth:`FacilitateApp.run_job` starts them."""

    def __init__(self, app: FacilitateApp) -> None:
        self.app = app
        self._jobs: dict[Worker[Any], Job[Any]] = {}

    def start(
        self,
        name: str,
        work: Callable[[], T],
        *,
        owner: MessagePump | None = None,
        title: str = "",
        on_success: Callable[[T], object] | None = None,
        on_cancel: Callable[[], object] | None = None,
        on_failure: Callable[[str], object] | None = None,
        report: Callable[[T], Notice | None] | None = None,
        cancelled_line: str = CANCELLED_LINE,
        explain: Callable[[BaseException], str | None] | None = None,
        toast_failure: bool = True,
    ) -> Worker[T]:
        """Run ``work`` in a thread owned by the app; a running job of this name is replaced.

        ``work`` may read ``get_current_worker().cancelled_event`` to stop early.
        """
        for job in self._jobs.values():
            if job.name == name and not job.worker.is_finished:
                job.superseded = True
        worker: Worker[T] = self.app.run_worker(
            work,
            name=name,
            group=name,
            description=name,
            thread=True,
            exclusive=True,
            exit_on_error=False,
        )
        self._jobs[worker] = Job(
            name,
            worker,
            owner,
            title=title,
            on_success=on_success,
            on_cancel=on_cancel,
            on_failure=on_failure,
            report=report,
            cancelled_line=cancelled_line,
            explain=explain,
            toast_failure=toast_failure,
        )
        return worker

    def running(self, name: str) -> list[Worker[Any]]:
        """The unfinished workers of the job called ``name``."""
        return [w for w, job in self._jobs.items() if job.name == name and not w.is_finished]

    def is_running(self, name: str) -> bool:
        """Whether a job called ``name`` is still at work."""
        return bool(self.running(name))

    def cancel(self, name: str) -> bool:
        """Ask the job called ``name`` to stop; it ends when its service has stopped.

        Only the worker's event is set (not ``Worker.cancel``), so the job stays
        running until the service has put things back as they were.
        """
        workers = self.running(name)
        for worker in workers:
            worker.cancelled_event.set()
        return bool(workers)

    def finished(self, worker: Worker[Any]) -> None:
        """Deliver a finished job's outcome (the app calls this on each state change)."""
        if not worker.is_finished:
            return
        job = self._jobs.pop(worker, None)
        if job is None:
            return
        here = job.owner_here
        cancelled = worker.state is WorkerState.CANCELLED or isinstance(worker.error, Cancelled)
        if worker.state is WorkerState.SUCCESS:
            if here and job.on_success is not None:
                job.on_success(worker.result)
            notice = job.report(worker.result) if job.report is not None else None
            if notice is not None:
                self.app.notify(
                    notice.message,
                    title=notice.title,
                    severity=notice.severity,
                    timeout=notice.timeout,
                    markup=False,
                )
        elif cancelled:
            if here and job.on_cancel is not None:
                job.on_cancel()
            if not job.superseded:
                self.app.notify(
                    job.cancelled_line, title=job.title, severity="warning", markup=False
                )
        else:
            error = worker.error
            assert error is not None
            line = self.app.report_failure(
                error,
                title=job.title,
                context=job.name,
                explain=job.explain,
                toast=job.toast_failure or not here,
            )
            if here and job.on_failure is not None:
                job.on_failure(line)
