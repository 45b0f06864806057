"""A markdown table read as the sentences it stands for (grader.content.tables)."""

from __future__ import annotations

from grader.content.tables import as_sentences, cells, is_header


def test_each_row_is_a_sentence_with_its_cells_under_their_columns() -> None:
    table = (
        "Two differences:\n"
        "| Aspect | CNN | RNN |\n|:---|---|---:|\n"
        "| input | images of a fixed size. | sequences of any length |\n"
        "| memory |  | a hidden state |\n"
        "That is all."
    )
    assert as_sentences(table).splitlines() == [
        "Two differences:",
        "Aspect: input; CNN: images of a fixed size; RNN: sequences of any length.",
        "Aspect: memory; RNN: a hidden state.",  # an empty cell says nothing
        "That is all.",
    ]


def test_text_that_is_no_table_is_kept_as_it_is() -> None:
    for text in ("a | b\nc | d", "| only a row |", "Use x|y for either.\n---", "plain"):
        assert as_sentences(text) == text


def test_a_row_wider_than_its_header_keeps_its_extra_cells() -> None:
    assert as_sentences("| CNN |\n|---|\n| images | and more |") == "CNN: images; and more."


def test_cells_and_the_header() -> None:
    assert cells(r"| a \| b | c |") == ("a | b", "c")
    assert is_header("| CNN | RNN |", "|---|:--:|") and not is_header("| CNN |", "| x |")
