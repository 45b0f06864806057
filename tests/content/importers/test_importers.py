"""Word, Moodle XML and GIFT question banks become the same questions a markdown file would."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.content.importers.html_text import html_to_text
from grader.content.load import load_document
from grader.errors import ContentError
from tests.conftest import REPO_ROOT

DOCUMENTS = REPO_ROOT / "tests" / "data" / "documents"


def _word_document(path: Path) -> Path:
    import docx

    document = docx.Document()
    document.add_heading("Data structures quiz", level=1)
    document.add_paragraph("What is a stack? Answer in one sentence.", style="List Number")
    document.add_paragraph("A last-in, first-out collection: push and pop work at the same end.")
    document.add_paragraph("Also accepted: a LIFO list")
    document.add_paragraph("Name two operations of a queue. (2 points)", style="List Number")
    document.add_paragraph("enqueue", style="List Bullet")
    document.add_paragraph("dequeue", style="List Bullet")
    document.add_heading("Comparisons", level=1)
    document.add_paragraph(
        "Write any two differences between arrays and lists?", style="List Number"
    )
    table = document.add_table(rows=3, cols=2)
    for row, cells in enumerate(
        [("Array", "List"), ("fixed size", "grows"), ("contiguous", "linked")]
    ):
        for column, text in enumerate(cells):
            table.cell(row, column).text = text
    target = path / "quiz.docx"
    document.save(str(target))
    return target


def test_a_word_document(tmp_path: Path) -> None:
    parsed = load_document(_word_document(tmp_path))
    stack, queue, arrays = parsed.questions
    assert (stack.number, stack.prompt) == (1, "What is a stack? Answer in one sentence.")
    assert stack.answer.startswith("A last-in, first-out collection")
    assert stack.alternatives == ("a LIFO list",)
    assert (queue.prompt, queue.points) == ("Name two operations of a queue.", 2.0)
    assert "enqueue" in queue.answer and "dequeue" in queue.answer
    assert arrays.heading == "Comparisons"
    assert "| fixed size | grows |" in arrays.answer


def test_a_word_documents_question_table(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_heading("Quiz 2", 1)
    table = document.add_table(rows=3, cols=3)
    for row, texts in zip(table.rows, [
        ("Question", "Answer", "Marks"),
        ("What is a tensor?", "A multi-dimensional array of numbers.", "1"),
        ("Name two loss functions.", "Cross-entropy and mean squared error.", "2"),
    ], strict=True):  # fmt: skip
        for cell, text in zip(row.cells, texts, strict=True):
            cell.text = text
    document.save(str(tmp_path / "quiz.docx"))
    parsed = load_document(tmp_path / "quiz.docx")
    assert [(q.prompt, q.answer, q.points) for q in parsed.questions] == [
        ("What is a tensor?", "A multi-dimensional array of numbers.", 1),
        ("Name two loss functions.", "Cross-entropy and mean squared error.", 2),
    ]


def test_a_number_typed_in_a_numbered_paragraph_is_no_part_of_the_question(
    tmp_path: Path,
) -> None:
    """Word shows "1. 1. What is dropout?": the prompt was "1. What is dropout?" and the id
    "1-what-is-dropout"."""
    import docx

    document = docx.Document()
    document.add_paragraph("1. What is dropout?", style="List Number")
    document.add_paragraph("Zeroing random activations while training.")
    document.add_paragraph("Q2) What is a 2D convolution?", style="List Number")
    document.add_paragraph("A kernel slid over an image.")
    document.save(str(tmp_path / "quiz.docx"))
    parsed = load_document(tmp_path / "quiz.docx")
    assert [(q.id, q.prompt) for q in parsed.questions] == [
        ("what-is-dropout", "What is dropout?"),
        ("what-is-a-2d-convolution", "What is a 2D convolution?"),
    ]


def test_a_file_that_is_not_a_word_document(tmp_path: Path) -> None:
    fake = tmp_path / "quiz.docx"
    fake.write_text("not a zip", encoding="utf-8")
    with pytest.raises(ContentError, match=r"not a readable \.docx file"):
        load_document(fake)


def test_a_moodle_xml_bank() -> None:
    parsed = load_document(DOCUMENTS / "moodle-bank.xml")
    essay, short = parsed.questions
    assert essay.prompt == (
        "Which scheduling policy would you choose for an interactive server? Give two reasons."
    )
    assert essay.points == 2.0
    assert essay.answer.splitlines() == [
        "- Round robin keeps response times short.",
        "- Every process gets the CPU in turn, so it is fair.",
    ]
    assert essay.notes == ("accept multilevel feedback queues too",)
    assert essay.heading == "Week 3"
    assert (short.answer, short.alternatives) == ("physical frames", ("frame numbers",))
    assert short.notes == ("50% for: memory",)
    assert [n.message for n in parsed.notes] == ["'MC' is a multichoice question: not imported"]
    assert parsed.notes[0].line == 18


def test_an_xml_bomb_is_refused(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.xml"
    bomb.write_text(
        '<?xml version="1.0"?><!DOCTYPE quiz [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><quiz>&b;</quiz>',
        encoding="utf-8",
    )
    with pytest.raises(ContentError, match="refused"):
        load_document(bomb)


def test_a_moodle_essay_without_a_model_answer_is_named(tmp_path: Path) -> None:
    bank = tmp_path / "bank.xml"
    bank.write_text(
        "<quiz>\n<question type='essay'><name><text>Lonely</text></name>"
        "<questiontext><text>Why?</text></questiontext></question>\n</quiz>",
        encoding="utf-8",
    )
    with pytest.raises(ContentError, match=r"bank.xml:2: 'Lonely' has no model answer"):
        load_document(bank)


def test_a_gift_file() -> None:
    parsed = load_document(DOCUMENTS / "bank.gift")
    short, essay = parsed.questions
    assert (short.prompt, short.answer) == (
        "What does a page table map virtual pages to?",
        "physical frames",
    )
    assert short.alternatives == ("frame numbers",)
    assert short.notes == ("50% for: memory",)
    assert essay.prompt == "Explain the four Coffman conditions for deadlock."
    assert essay.answer.startswith("Mutual exclusion")
    assert essay.heading == "Operating systems"
    assert [(n.line, n.message) for n in parsed.notes] == [
        (8, "'MC' is a multiple choice question: not imported"),
        (10, "'TF' is a true/false or numeric question: not imported"),
    ]


def test_a_gift_question_in_html_is_read_as_text(tmp_path: Path) -> None:
    gift = tmp_path / "bank.gift"
    gift.write_text(
        "::Q1::[html]<p>Explain <b>why</b> we use <i>dropout</i>.</p>"
        "{####<p>It <b>reduces</b> overfitting by dropping units at random.</p>}\n\n"
        "::Q2::[html]Name a <i>gated</i> unit.{=<b>LSTM</b> =GRU}\n",
        encoding="utf-8",
    )
    essay, short = load_document(gift).questions
    assert (essay.id, essay.prompt) == ("explain-why-we-use-dropout", "Explain why we use dropout.")
    assert essay.answer == "It reduces overfitting by dropping units at random."
    assert (short.prompt, short.answer, short.alternatives) == (
        "Name a gated unit.", "LSTM", ("GRU",),
    )  # fmt: skip


def test_a_gift_question_without_an_answer_block(tmp_path: Path) -> None:
    gift = tmp_path / "bank.gift"
    gift.write_text("::Q1::What is a heap?\n", encoding="utf-8")
    with pytest.raises(ContentError, match=r"bank.gift:1: 'Q1': no answer block"):
        load_document(gift)


@pytest.mark.parametrize(
    ("html", "text"),
    [
        (
            "<p>Which activation outputs values in <b>(0, 1)</b>?</p>",
            "Which activation outputs values in (0, 1)?",
        ),
        ("<p>A <i>recurrent</i> network</p>", "A recurrent network"),
        ("<p>x<b>y</b>z</p>", "xyz"),  # no space where the source has none
        ("<ul><li> one </li><li>two</li></ul>", "- one\n- two"),
    ],
)
def test_moodle_html_keeps_the_spaces_around_formatting(html: str, text: str) -> None:
    assert html_to_text(html) == text
