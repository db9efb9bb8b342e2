"""Widgets the facilitate screens are built from."""

from facilitate.widgets.consultations import ConsultationList, ConsultationSummary
from facilitate.widgets.session_header import SessionHeader
from facilitate.widgets.session_table import SessionTable, status_text
from facilitate.widgets.transcript import TranscriptTable
from facilitate.widgets.transcription_panel import TranscriptionPanel

__all__ = [
    "ConsultationList",
    "ConsultationSummary",
    "SessionHeader",
    "SessionTable",
    "TranscriptTable",
    "TranscriptionPanel",
    "status_text",
]
