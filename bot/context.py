"""What every handler can reach: our services, hung on PTB's context."""

from __future__ import annotations

from telegram.ext import Application, CallbackContext, ExtBot

from messaging.dependencies import Dependencies

SERVICES_KEY = "carerline_dependencies"


class CarerlineContext(CallbackContext[ExtBot[None], dict, dict, dict]):
    """PTB's callback context with typed access to our services."""

    @property
    def services(self) -> Dependencies:
        """The process's shared services."""
        return self.application.bot_data[SERVICES_KEY]


CarerlineApplication = Application[ExtBot[None], CarerlineContext, dict, dict, dict, None]
