"""The one redaction function: placeholders, details and properties (the corpus is in test_redaction_corpus.py)."""

from __future__ import annotations

from services.privacy.redaction import RedactionKind, redact, redact_with_details


def test_placeholders_are_readable() -> None:
    text = "Mrs Nowak, 14 Tonbridge Road, ME14 1XQ, 07700 900123, k.nowak@wp.pl, KCC-000321, AB12 CDE, Sam was late."
    assert redact(text, known_names=["Sam"]) == (
        "[name], [address], [postcode], [phone], [email], [reference], [vehicle registration], [name] was late."
    )


def test_each_kind_has_its_own_placeholder() -> None:
    text = "DOB 14/03/2015, NHS number 943 476 5919, NI QQ 12 34 56 C, ref COMP/25/1182."
    assert redact(text) == (
        "DOB [date of birth], NHS number [NHS number], NI [National Insurance number], ref [reference]."
    )


def test_a_name_found_once_goes_everywhere_in_any_case() -> None:
    text = "My son Olek hates the bus. olek cried and OLEK's teacher rang."
    assert redact(text) == "My son [name] hates the bus. [name] cried and [name]'s teacher rang."


def test_public_numbers_and_mailboxes_stay() -> None:
    text = "I rang 03000 41 61 61 and 0800 587 1011, then 999, and wrote to transport.eligibility@kent.gov.uk."
    assert redact(text) == text


def test_ordinary_words_that_are_held_names_stay() -> None:
    text = "I will ring if the bus may be late; I hope there is a grace period."
    assert redact(text, known_names=["Will Hope", "May Grace"]) == text


def test_first_and_surname_become_one_placeholder() -> None:
    assert redact("Daniel Fletcher was driving.") == "[name] was driving."
    assert (
        redact("Agnieszka Wiśniewska dzwoniła.", known_names=["Agnieszka Wiśniewska"])
        == "[name] dzwoniła."
    )


def test_possessive_keeps_its_s() -> None:
    assert redact("Sam's taxi was late.", known_names=["Sam"]) == "[name]'s taxi was late."


def test_details_say_what_was_removed_and_where() -> None:
    text = "Call 07700 900123 about Sam."
    result = redact_with_details(text, known_names=["Sam"])
    assert result.text == "Call [phone] about [name]."
    assert [(r.kind, r.original) for r in result.redactions] == [
        (RedactionKind.PHONE, "07700 900123"),
        (RedactionKind.NAME, "Sam"),
    ]
    assert all(text[r.start : r.end] == r.original for r in result.redactions)
    assert result.counts == {RedactionKind.PHONE: 1, RedactionKind.NAME: 1}


def test_text_without_personal_data_is_returned_unchanged() -> None:
    text = "The taxi was 10 minutes late on Monday, Route 12, at 7:45. Kent PACT knows."
    result = redact_with_details(text)
    assert result.text == text
    assert result.redactions == ()


def test_redaction_is_deterministic_and_idempotent() -> None:
    text = "My son Tom rang 07700 900123 from 12 Station Road."
    once = redact(text)
    assert once == redact(text)
    assert redact(once) == once


def test_known_names_ignore_blank_and_one_letter_entries() -> None:
    assert redact("A bus and a taxi.", known_names=["", " ", "A"]) == "A bus and a taxi."
