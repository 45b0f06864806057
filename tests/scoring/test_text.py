"""Answer splitting and the text cues the traps rely on."""

from __future__ import annotations

import logging
import re

import pytest

from grader.scoring.embedder import bundled_model_path
from grader.scoring.scorer import Scorer
from grader.scoring.text import (
    attributed_segments,
    comparison_subjects,
    content_stems,
    demote,
    has_negation,
    is_keyword_salad,
    known_word_ratio,
    prose_contrast,
    sanitize,
    split_units,
)


def test_units_are_sentences_plus_their_clauses_and_parentheticals() -> None:
    units = split_units(
        "Gradients shrink towards zero (vanishing gradients) or grow without bound. Second one here."
    )
    assert units[0] == "Gradients shrink towards zero (vanishing gradients) or grow without bound"
    assert "grow without bound" in units
    assert "vanishing gradients" in units
    assert "Second one here" in units


def test_a_clause_after_comma_or_starts_at_its_own_words() -> None:
    units = split_units(
        "the gradient shrinks exponentially until it disappears, or grows exponentially until it "
        "blows up"
    )
    assert "grows exponentially until it blows up" in units
    assert "the gradient shrinks exponentially until it disappears" in units


def test_a_word_family_shares_its_content_stem() -> None:
    # A student's noun for what the rubric names with an adjective is the same content word.
    assert content_stems("A generator and a discriminator") == content_stems(
        "generative, discriminative"
    )
    assert content_stems("gradients vanished") == content_stems("gradient vanishing")
    assert content_stems("process") != content_stems("processor")


def test_demoting_drops_the_question_s_words_and_keeps_words_not_stems() -> None:
    question = frozenset(content_stems("What are the challenges of long term dependencies?"))
    assert demote("Long-term dependencies make the gradients vanish exponentially", question) == (
        "make gradients vanish exponentially"
    )


def test_short_conjunctions_stay_whole_and_ellipses_do_not_split() -> None:
    assert split_units("Images and videos.") == ["Images and videos"]
    assert split_units("A do...while loop runs once.") == ["A do...while loop runs once"]


def test_bullets_become_units() -> None:
    assert split_units("- first point here\n- second point here") == [
        "first point here",
        "second point here",
    ]


def test_negation_cues() -> None:
    assert has_negation("The problem is not vanishing gradients")
    assert has_negation("It isn't trained")
    assert has_negation("neither vanishing nor exploding")
    assert not has_negation("Noted: nothing is ignored without reason")


def test_a_bound_or_a_widening_is_no_negation() -> None:
    assert not has_negation("Every node has no more than two children")
    assert not has_negation("It holds not only a value but an address")
    assert not has_negation("West is on the left no matter what")
    assert has_negation("It has no children")  # the words around a bound still count
    assert has_negation("No more than two children, and it is not balanced")
    from grader.scoring.text import negation_scope

    assert negation_scope("A node has not more than two children, not three") == "three"


def test_keyword_salad_is_bare_keywords_not_a_terse_answer_or_a_list() -> None:
    assert is_keyword_salad("vanishing exploding gradient tanh BPTT weights")
    assert not is_keyword_salad("Vanishing and exploding gradients.")
    assert not is_keyword_salad("generative models, discriminative models, GANs")
    assert not is_keyword_salad("push equals enqueue pop equals dequeue")
    # One item per line or bullet is a list, as a comma-separated one is.
    assert not is_keyword_salad("* Error Correction\n* Memory Based Learning\n* Hebbian Learning")
    assert not is_keyword_salad(
        "single layer feedforward networks\nmulti layer feedforward networks"
    )
    assert is_keyword_salad("single layer feedforward networks multi layer feedforward networks")


def test_subjects_and_their_acronym_expansions_split_a_comparison() -> None:
    segments = attributed_segments(
        "Recurrent neural networks process sequences, while a CNN processes images", ["CNN", "RNN"]
    )
    assert segments == [("RNN", "process sequences"), ("CNN", "processes images")]
    assert attributed_segments("RNNs handle variable length", ["CNN", "RNN"]) == [
        ("RNN", "handle variable length")
    ]


def test_known_word_ratio_tells_english_from_gibberish() -> None:
    vocabulary = bundled_model_path() / "vocab.txt"
    assert known_word_ratio("throught the programm statically works", vocabulary) >= 0.8
    assert known_word_ratio("asdkj qwoeiu zxmcnv plokij", vocabulary) < 0.5


def test_sanitize_drops_control_characters() -> None:
    assert sanitize("a\x00b\x07  c\u00a0d") == "a b c d"


def test_negation_scope_ends_at_the_clause() -> None:
    from grader.scoring.text import negation_scope

    assert negation_scope("There are no gradient problems here; the issue is memory.") == (
        "gradient problems here"
    )
    assert negation_scope("The gradients do not stay stable, they vanish.") == "stay stable"
    assert negation_scope("It isn't vanishing but exploding") == "vanishing"
    assert negation_scope("Gradients vanish.") == ""


def test_readable_turns_latex_into_text_and_leaves_prose_alone() -> None:
    from grader.scoring.text import readable

    assert readable(r"a sequence x(1), \ldots, x(\tau)") == "a sequence x(1), …, x(τ)"
    assert readable("10% of 5 & more") == "10% of 5 & more"
    assert readable(r"costs 10% with $\alpha$") == "costs 10% with \N{GREEK SMALL LETTER ALPHA}"


def test_latex_that_fails_to_convert_leaves_no_placeholder_and_logs_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A macro whose argument is an unbraced macro (a DigiKlausur reference writes
    "\\sqrt\\frac{...}{h}") made pylatexenc log a warning on every grade and leave "%s" in the
    key point's text."""
    from grader.scoring.text import readable

    with caplog.at_level(logging.WARNING):
        converted = readable(r"$m \leq \sqrt\frac{4h}{h}$, the bound on $\sigma$")
    assert not caplog.records
    assert "%s" not in converted and "\\" not in converted
    assert "\N{LESS-THAN OR EQUAL TO}" in converted and converted.endswith(
        "the bound on \N{GREEK SMALL LETTER SIGMA}"
    )
    assert readable(r"$\sqrt{\frac{a}{h}}$") == "\N{SQUARE ROOT}(a/h)"
    assert readable("a 100%s rate") == "a 100%s rate"  # a "%s" written stays


def test_a_comma_list_answer_gives_each_item_its_own_unit() -> None:
    units = split_units("Atomicity, consistency, isolation and durability.")
    assert {"Atomicity", "consistency", "isolation", "durability"} <= set(units)
    # Prose with a comma, or long items, stays whole.
    assert split_units("In short, the gradients vanish over many steps.") == [
        "In short, the gradients vanish over many steps"
    ]
    assert "images" not in split_units("CNNs process images and videos")


def test_a_comparison_question_names_the_two_things_it_compares() -> None:
    assert comparison_subjects("What is the difference between a process and a thread?") == [
        "process",
        "thread",
    ]
    assert comparison_subjects("Compare processes and threads.") == ["process", "thread"]
    assert comparison_subjects("How does a mutex differ from a semaphore?") == [
        "mutex",
        "semaphore",
    ]
    assert comparison_subjects("TCP vs UDP: which one is reliable?") == ["TCP", "UDP"]
    assert comparison_subjects("What is thrashing?") == []


def test_a_key_point_in_prose_is_read_as_one_claim_per_compared_thing() -> None:
    subjects = ["process", "thread"]
    claims = prose_contrast(
        "A process has its own address space, while threads share the memory of their process.",
        subjects,
    )
    assert [s for s, _ in claims] == subjects
    assert "own address space" in claims[0][1] and "share the memory" in claims[1][1]
    # Speaking of one of them only is no comparison.
    assert prose_contrast("A process has its own address space.", subjects) == []


def test_a_subject_named_after_a_preposition_starts_no_new_part() -> None:
    segments = attributed_segments(
        "Each process has its own memory, whereas the threads inside a process share it.",
        ["process", "thread"],
    )
    assert [s for s, _ in segments] == ["process", "thread"]
    assert "share it" in segments[1][1]


def test_a_clause_opening_with_the_x_of_a_subject_speaks_of_that_subject() -> None:
    segments = attributed_segments(
        "The output of an RNN does not depend on its previous outputs, while a CNN's output "
        "depends on the previous outputs",
        ["CNN", "RNN"],
    )
    assert [s for s, _ in segments] == ["RNN", "CNN"]
    assert "does not depend" in segments[0][1] and "not" not in segments[1][1]
    # The opening phrase belongs to the part it opens, not to the one before it.
    segments = attributed_segments(
        "the output of a CNN is independent, while the output of the RNN depends on it",
        ["CNN", "RNN"],
    )
    assert [s for s, _ in segments] == ["CNN", "RNN"]
    assert "while" not in segments[0][1] and segments[1][1].startswith("the output of")
    # After a verb, "of" still names no new subject.
    segments = attributed_segments(
        "A process has its own address space, while threads share the memory of their process.",
        ["process", "thread"],
    )
    assert [s for s, _ in segments] == ["process", "thread"]


def test_many_negations_are_read_once_each(monkeypatch: pytest.MonkeyPatch) -> None:
    """ "not " x 1,250 took 0.95 CPU-s an answer: each negation's scope ran to the end."""
    import grader.scoring.text as text

    assert text.negation_scope("no gradients, not vanishing not exploding") == (
        "gradients vanishing exploding"
    )
    searched = 0
    original = text._SCOPE_END

    class Counting:
        def search(self, string: str) -> re.Match[str] | None:
            nonlocal searched
            searched += len(string)
            return original.search(string)

    monkeypatch.setattr(text, "_SCOPE_END", Counting())
    text.negation_scope("not " * 1250)
    assert searched <= len("not " * 1250)  # each character searched once, not 1,250 times


def test_feedback_text_shows_scripts_as_a_person_reads_them(fake_scorer: Scorer) -> None:
    """Feedback showed "∑_k=1^6 k ·1/6" for an imported course's key point."""
    from grader.rubrics.schema import Criterion, Rubric
    from grader.scoring.text import shown

    assert shown(r"$\sum_{k=1}^{6} k \cdot \frac{1}{6}$") == "∑ₖ₌₁⁶ k ·1/6"
    assert shown(r"the error $E^{(k)}$") == "the error E⁽ᵏ⁾"
    assert shown(r"$a_{\alpha}$") == "a_(\N{GREEK SMALL LETTER ALPHA})"  # no subscript alpha
    assert shown("50% & more") == "50% & more"  # prose is left alone
    rubric = Rubric(
        id="dice", prompt="What is the expected value of a fair die?", topic="t", max_points=1,
        reference_answer="3.5",
        criteria=[Criterion(id="sum", text=r"$\sum_{k=1}^{6} k \cdot \frac{1}{6} = 3.5$")],
    )  # fmt: skip
    feedback = fake_scorer.grade(rubric, "I do not know.").feedback
    assert "∑ₖ₌₁⁶ k ·1/6 = 3.5" in feedback and "_k" not in feedback
