"""In-process GOV.UK Notify API emulator over real HTTP (see NotifyEmulator)."""

from sandbox.notify.emulator import NotifyEmulator
from sandbox.notify.model import ApiKey, Notification, NotifyFaults, ReceivedText, Template

__all__ = ["ApiKey", "Notification", "NotifyEmulator", "NotifyFaults", "ReceivedText", "Template"]
