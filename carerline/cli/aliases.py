"""Old option names that keep working, unlisted, after an option was renamed to match the API's field."""

from __future__ import annotations

from typing import Any


def old_option_names(renamed: dict[str, str]) -> dict[str, Any]:
    """A command's context_settings mapping each old long option (without "--") to its new name.

    Click passes every option name through `token_normalize_func` before matching, so `--note` reaches
    `--note-for-family` without appearing in --help. Keep the old names clear of the command's choice values
    (Click normalises those too).
    """
    return {"token_normalize_func": lambda name: renamed.get(name, name)}
