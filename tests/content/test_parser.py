"""The Q&A parser: every question shape of the source document, and documents it must refuse."""

from __future__ import annotations

import pytest

from grader.content import BulletList, Math, Paragraph, Table, parse_document
from grader.content.slug import slugify
from grader.errors import ContentError
from tests.conftest import EXAM


def test_the_exam_document_yields_its_six_questions_in_order() -> None:
    questions = parse_document(EXAM.read_text(encoding="utf-8"), "exam")
    assert [q.number for q in questions] == [1, 2, 3, 4, 5, 6]
    assert len({q.id for q in questions}) == 6


def test_question_followed_by_a_table() -> None:
    doc = "1. Write any two differences between A and B?\n\n| A | B |\n|---|--|\n| x | y |\n| z | w |\n"
    (question,) = parse_document(doc)
    assert question.prompt == "Write any two differences between A and B?"
    (table,) = question.blocks
    assert isinstance(table, Table)
    assert table.header == ("A", "B")
    assert table.rows == (("x", "y"), ("z", "w"))


def test_answer_on_the_question_line_after_the_question_mark() -> None:
    (question,) = parse_document(
        "- 2. What are the challenges.? Vanishing and exploding gradients\n"
    )
    assert question.number == 2
    assert question.prompt == "What are the challenges.?"
    assert question.answer == "Vanishing and exploding gradients"


def test_answer_on_the_question_line_without_a_question_mark() -> None:
    doc = "- 3. Give a real world application of visual attention Google Street view\n"
    (question,) = parse_document(doc)
    assert question.prompt == "Give a real world application of visual attention"
    assert question.answer == "Google Street view"


def test_question_without_question_mark_answered_on_following_lines() -> None:
    doc = "4. What are the learning models used for creating adversarial Networks.\n\nGenerative models\n"
    (question,) = parse_document(doc)
    assert question.prompt == "What are the learning models used for creating adversarial Networks."
    assert question.blocks == (Paragraph("Generative models", 3),)


def test_paragraphs_bullets_and_display_math() -> None:
    doc = (
        "6. what is it?\n\n- first point\n- second point\n  continued\n\n"
        "$$\\frac{a}{b}$$\n\nCaption line\n\nLast paragraph\nwraps here.\n"
    )
    (question,) = parse_document(doc)
    bullets, math, caption, last = question.blocks
    assert bullets == BulletList(("first point", "second point continued"), 3)
    assert math == Math("\\frac{a}{b}", 7)
    assert caption == Paragraph("Caption line", 9)
    assert last == Paragraph("Last paragraph wraps here.", 11)


def test_multiline_math_block_may_contain_numbered_looking_lines() -> None:
    doc = "1. First?\n\n$$\n2. x = y\n$$\n\n2. Second? yes\n"
    first, second = parse_document(doc)
    assert first.blocks == (Math("2. x = y", 3),)
    assert second.answer == "yes"


def test_numbering_with_and_without_leading_dash_mixes() -> None:
    doc = "1. One? a\n- 2. Two? b\n3) Three? c\n* 4. Four? d\n"
    assert [q.answer for q in parse_document(doc)] == ["a", "b", "c", "d"]


def test_lower_numbered_items_inside_an_answer_stay_in_the_answer() -> None:
    doc = "1. First?\n2. Second?\n\n1. step one\n2. step two\n"
    with pytest.raises(ContentError):
        # "2." right after question 1 is read as question 2; question 1 then has no answer.
        parse_document(doc)
    doc = "1. First? ok\n2. Second?\n\n1. step one\n1. step two\n"
    _, second = parse_document(doc)
    assert second.blocks == (BulletList(("step one", "step two"), 4),)


def test_ids_are_stable_slugs_of_the_prompt_and_survive_renumbering() -> None:
    before = parse_document("1. What is an RNN? A net.\n2. What is a CNN? Another.\n")
    after = parse_document("1. What is a CNN? Another.\n2. What is an RNN? A net, edited.\n")
    assert {q.id for q in before} == {q.id for q in after} == {"what-is-an-rnn", "what-is-a-cnn"}


def test_duplicate_prompts_get_distinct_ids() -> None:
    questions = parse_document("1. Define it? a\n2. Define it? b\n")
    assert [q.id for q in questions] == ["define-it", "define-it-2"]


def test_headings_become_topics_and_close_answers() -> None:
    doc = "# Exam\n\n## Recurrent nets\n\n1. What is BPTT? Backprop through time.\n\n## Other\n\nNotes.\n"
    (question,) = parse_document(doc)
    assert question.heading == "Recurrent nets"
    assert question.answer == "Backprop through time."


def test_slugify_is_ascii_and_bounded() -> None:
    assert (
        slugify("Qu'est-ce qu'un réseau à états échoïques ?")
        == "qu-est-ce-qu-un-reseau-a-etats-echoiques"
    )
    assert len(slugify("word " * 50)) <= 60


@pytest.mark.parametrize(
    ("doc", "line", "fragment"),
    [
        ("", 1, "no numbered question"),
        ("Just notes, no questions.\n", 1, "no numbered question"),
        ("1. What is it?\n\n2. Next? yes\n", 1, "question 1 has no answer"),
        ("1. One? a\n2. Two? b\n4. Four? d\n", 3, "jumps from 2 to 4"),
        ("1. Name it\n", 1, "cannot tell where the question ends"),
        ("1. Q?\n\n| A | B |\n| x | y |\n", 3, "separator"),
        ("1. Q?\n\n| A | B |\n|---|---|\n| x | y | z |\n", 5, "3 cells, the header has 2"),
        ("1. Q?\n\n$$\nx = 1\n", 3, "never closed"),
        ("Why is the sky blue?\n1. Q? a\n", 1, "looks like a question"),
    ],
)
def test_documents_it_must_refuse_name_the_line(doc: str, line: int, fragment: str) -> None:
    with pytest.raises(ContentError) as caught:
        parse_document(doc, "bad.md")
    assert caught.value.line == line
    assert fragment in caught.value.message
    assert str(caught.value).startswith(f"bad.md:{line}: ")
