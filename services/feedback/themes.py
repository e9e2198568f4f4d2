"""The feedback taxonomy as data: each theme's keyword and phrase patterns (see docs/feedback-themes.md).

English keywords plus a few Polish stems for the bot's Polish users, matched case-insensitively as
whole words. Tagging itself lives in services/feedback/tagging.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Theme(StrEnum):
    """The documented feedback taxonomy (docs/feedback-themes.md)."""

    PUNCTUALITY = "punctuality"
    DRIVER_OR_ASSISTANT_CONDUCT = "driver_or_assistant_conduct"
    COMMUNICATION = "communication"
    SAFETY = "safety"
    VEHICLE_AND_ACCESSIBILITY = "vehicle_and_accessibility"
    JOURNEY_LENGTH = "journey_length"
    ELIGIBILITY_AND_APPLICATIONS = "eligibility_and_applications"
    STAFF_CHANGES = "staff_changes"
    PRAISE = "praise"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class ThemeRule:
    """Patterns for one theme: any of `patterns`, and (if given) any of `also_needs` somewhere in the text."""

    theme: Theme
    patterns: re.Pattern[str]
    also_needs: re.Pattern[str] | None = None


def _words(*alternatives: str) -> re.Pattern[str]:
    """One case-insensitive pattern matching any alternative as whole words (alternatives are regex)."""
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)


_PEOPLE = _words(
    r"drivers?",
    r"escorts?",
    r"pas?",
    r"passenger assistants?",
    r"chaperones?",
    r"(?:he|she|they) (?:was|were|is|are)",
    r"him",
    r"her",
    r"kierowc\w*",
    r"opiekun\w*",
)
_DURATION = _words(
    r"long(?:er)?",
    r"hours?",
    r"ages",
    r"\d+\s*(?:mins?|minutes)",
    r"hour and a half",
    r"forever",
    r"godzin\w*",
)

THEME_RULES: tuple[ThemeRule, ...] = (
    ThemeRule(
        Theme.PUNCTUALITY,
        _words(
            r"late",
            r"lateness",
            r"delay(?:s|ed)?",
            r"on time",
            r"punctual(?:ity)?",
            r"(?:too|very|arrived|came|turned up|\d+\s*(?:mins?|minutes)) early",
            r"(?:didn'?t|did not|never|hasn'?t|has not|failed to) (?:turn(?:ed)? up|show(?:ed)? up|come|arrive|arrived|collect\w*|pick\w* (?:him|her|them) up)",
            r"no[- ]show",
            r"not turned up",
            r"never (?:came|arrived|turned up)",
            r"no (?:taxi|bus|car|transport) (?:came|turned up|today)",
            r"wait(?:ed|ing)? (?:for|outside|at|until|over|\d+)",
            r"kept waiting",
            r"missed (?:registration|assembly|the start)",
            r"spóźni\w*",
            r"nie przyjecha\w*",
            r"czeka\w*",
        ),
    ),
    ThemeRule(
        Theme.DRIVER_OR_ASSISTANT_CONDUCT,
        _words(
            r"rude(?:ly|ness)?",
            r"shout(?:s|ed|ing)?",
            r"yell(?:s|ed|ing)?",
            r"sw(?:ore|ears?|earing)",
            r"unprofessional",
            r"professional",
            r"attitude",
            r"manner(?:s)?",
            r"impatient",
            r"patient",
            r"friendly",
            r"(?:so|very|really|always|is|was|were|are) kind",
            r"kindness",
            r"unfriendly",
            r"lovely",
            r"caring",
            r"polite",
            r"impolite",
            r"aggressive",
            r"grumpy",
            r"ignor(?:ed|es|ing)",
            r"on (?:his|her|their) phone",
            r"smok(?:ing|es|ed)",
            r"vap(?:ing|es|ed)",
            r"great with",
            r"so good with",
            r"understands? (?:him|her|them)",
            r"niegrzeczn\w*",
            r"krzycz\w*",
            r"mił[ya]\w*",
        ),
        also_needs=_PEOPLE,
    ),
    ThemeRule(
        Theme.COMMUNICATION,
        _words(
            r"(?:not|never|wasn'?t|weren'?t|nobody|no one|no-one) (?:been )?(?:told|informed|contacted|notified|warned)",
            r"inform(?:ed|ation)?",
            r"let (?:me|us) know",
            r"(?:nobody|no one|no-one|never) (?:rang|rings|called|calls|phoned|phones|tells|told|contacted|contacts|answer(?:s|ed)?|repl(?:ies|ied)|got back)",
            r"calls? back",
            r"(?:call|ring|phone|rang|called) (?:me |us )?back",
            r"(?:didn'?t|did not|never) (?:call|ring|phone|answer|reply|respond)",
            r"no (?:answer|reply|response|call|update|message|notice)",
            r"(?:couldn'?t|could not|can'?t|cannot) get through",
            r"updates?",
            r"communicat\w*",
            r"kept (?:me |us )?in the loop",
            r"heads up",
            r"(?:any|no|short) notice",
            r"letter",
            r"emails?",
            r"contact(?:ed)?",
            r"voicemail",
            r"hear(?:d)? back",
            r"wrong (?:pick[- ]?up|address|stop|place|time)",
            r"nikt nie poinformowa\w*",
            r"informacj\w*",
            r"nie odbier\w*",
        ),
    ),
    ThemeRule(
        Theme.SAFETY,
        _words(
            r"unsafe",
            r"safe(?:ly|ty)?",
            r"danger(?:ous|ously)?",
            r"seat ?belts?",
            r"harness(?:es)?",
            r"car seats?",
            r"booster(?: seat)?s?",
            r"speed(?:ing)?",
            r"reckless(?:ly)?",
            r"left (?:alone|unattended|on the (?:bus|taxi|vehicle|minibus))",
            r"unattended",
            r"injur(?:ed|y|ies)",
            r"hurt",
            r"accident",
            r"crash(?:ed)?",
            r"not (?:strapped|secured|clamped)",
            r"clamps?",
            r"restraints?",
            r"safeguarding",
            r"wrong child",
            r"door (?:open|opened)",
            r"ran (?:off|away|into the road)",
            r"niebezpieczn\w*",
            r"bezpieczeństw\w*",
            r"pas(?:y|ów)? bezpieczeństwa",
        ),
    ),
    ThemeRule(
        Theme.VEHICLE_AND_ACCESSIBILITY,
        _words(
            r"vehicles?",
            r"wheelchairs?",
            r"ramps?",
            r"(?:tail|wheelchair) ?lift",
            r"accessib(?:le|ility)",
            r"inaccessible",
            r"air ?con(?:ditioning)?",
            r"heating",
            r"too (?:hot|cold)",
            r"freezing",
            r"boiling",
            r"smell(?:s|y|ed)?",
            r"dirty",
            r"filthy",
            r"clean",
            r"broke(?:n)? down",
            r"breakdown",
            r"cramped",
            r"squashed",
            r"no room",
            r"space for",
            r"minibus",
            r"people carrier",
            r"tinted",
            r"sensory",
            r"wózek\w*",
            r"ramp[aę]",
            r"pojazd\w*",
        ),
    ),
    ThemeRule(
        Theme.JOURNEY_LENGTH,
        _words(
            r"journey",
            r"ride",
            r"trip",
            r"travel(?:ling)? time",
            r"on the (?:bus|taxi|minibus|car|coach) for",
            r"in the (?:taxi|car|minibus) for",
            r"podróż\w*",
            r"jazd[ay]",
        ),
        also_needs=_DURATION,
    ),
    ThemeRule(
        Theme.JOURNEY_LENGTH,
        _words(
            r"over an hour",
            r"hour and a half",
            r"(?:two|three|\d) hours? (?:a|each) (?:day|way)",
            r"round the houses",
            r"detour",
            r"picked up first",
            r"first pick[- ]?up",
            r"(?:goes|going|drives?) (?:all )?(?:the )?long way",
        ),
    ),
    ThemeRule(
        Theme.ELIGIBILITY_AND_APPLICATIONS,
        _words(
            r"eligib(?:le|ility)",
            r"ineligible",
            r"not eligible",
            r"applications?",
            r"appl(?:y|ied|ying)",
            r"forms?",
            r"assessment",
            r"ehcp",
            r"ehc plan",
            r"refus(?:ed|al)",
            r"turned down",
            r"appeal(?:s|ed)?",
            r"review",
            r"decision",
            r"policy",
            r"distance",
            r"nearest (?:suitable )?school",
            r"post[- ]?16",
            r"contribution",
            r"bus pass",
            r"travel pass",
            r"personal (?:transport|travel) budget",
            r"ptb",
            r"mileage",
            r"travel training",
            r"no transport (?:arranged|agreed|in place)",
            r"(?:still )?waiting for (?:transport|a decision|an answer)",
            r"wnios\w*",
            r"uprawni\w*",
            r"odwoła\w*",
        ),
    ),
    ThemeRule(
        Theme.STAFF_CHANGES,
        _words(
            r"(?:new|different|another|replacement|agency|relief|cover|temporary|third|fourth|fifth) (?:driver|escort|pa|passenger assistant|chaperone)s?",
            r"(?:driver|escort|pa|passenger assistant|chaperone)s? (?:has |have |keeps? |kept )?chang(?:ed|es|ing)",
            r"chang(?:e|es|ed|ing) (?:of |the )?(?:driver|escort|pa|passenger assistant|chaperone)s?",
            r"keeps? changing",
            r"(?:doesn'?t|does not|didn'?t|did not|don'?t) know (?:the|this|his|her) (?:driver|escort|pa)",
            r"strangers?",
            r"same (?:driver|escort|pa)",
            r"nowy kierowca",
            r"now[ae] opiekun\w*",
            r"zmian\w* kierowc\w*",
            r"inny kierowca",
        ),
    ),
)

PRAISE = _words(
    r"thanks?",
    r"thank you",
    r"brilliant",
    r"fantastic",
    r"amazing",
    r"wonderful",
    r"excellent",
    r"great",
    r"lovely",
    r"helpful",
    r"grateful",
    r"appreciate[ds]?",
    r"(?:a|an absolute) star",
    r"superb",
    r"can'?t fault",
    r"couldn'?t ask for",
    r"well done",
    r"above and beyond",
    r"perfect",
    r"happy with",
    r"delighted",
    r"lov(?:es|ed)",
    r"dziękuj\w*",
    r"wspaniał\w*",
    r"świetn\w*",
    r"super",
)
# Sarcastic praise ("thanks for nothing", "great, late again") that VADER scores as positive.
SARCASM = _words(
    r"thanks? for nothing",
    r"(?:great|brilliant|fantastic|perfect|lovely|wonderful|super)[,.!…]*\s+(?:late|again|another|no)",
)
