"""How much officers' free text may go into one family message, so no message passes Notify's 918 characters.

The staff forms (with the GOV.UK character count) and the API use these numbers; tests/templates/test_channels.py
renders every message kind in every channel and language with free text at these limits.
"""

from __future__ import annotations

from collections.abc import Mapping

# GOV.UK Notify refuses a text message over 918 characters; we hold every channel to it.
MAX_MESSAGE_CHARACTERS = 918

FAMILY_TEXT_LIMITS: Mapping[str, int] = {
    "change_value": 80,  # a change's old and new value ("7:40am", a driver's first name)
    "change_reason": 280,  # why a transport change happens
    "broadcast": 600,  # a coordinator's message to many families
    "complaint_answer": 450,  # an officer's answer to a complaint (both steps)
    "complaint_reason": 300,  # why we need more time to answer a complaint
    "problem_note": 400,  # what the officer did about a problem report
    "application_note": 300,  # a note with an application's new stage
    "survey_intro": 400,  # why Kent PACT is asking, in a survey invitation
}
