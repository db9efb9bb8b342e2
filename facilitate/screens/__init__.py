"""The screens of the facilitate app."""

from facilitate.screens.forms import ImportAudioScreen, NewConsultationScreen, NewSessionScreen
from facilitate.screens.help import HelpScreen
from facilitate.screens.home import HomeScreen
from facilitate.screens.session import SessionScreen, show_session

__all__ = [
    "HelpScreen",
    "HomeScreen",
    "ImportAudioScreen",
    "NewConsultationScreen",
    "NewSessionScreen",
    "SessionScreen",
    "show_session",
]
