"""Key points come from the answer's structure."""

from __future__ import annotations

from grader.content import parse_document
from grader.rubrics.keypoints import clean, key_points


def _points(doc: str) -> list[str]:
    (question,) = parse_document(doc)
    return [point.text for point in key_points(question)]


def test_inline_list_with_a_shared_head_noun_becomes_one_point_per_item() -> None:
    assert _points("1. Challenges? Vanishing and exploding gradients\n") == [
        "Vanishing gradients",
        "Exploding gradients",
    ]


def test_comma_separated_list_becomes_one_point_per_item() -> None:
    assert _points("1. Models?\n\nGenerative models, discriminative models\n") == [
        "Generative models",
        "Discriminative models",
    ]


def test_a_single_phrase_is_one_point() -> None:
    assert _points("1. An application? Google Street view\n") == ["Google Street view"]


def test_each_bullet_is_a_point_however_short() -> None:
    doc = (
        "1. Why?\n\n- The state is reused at every step.\n- Gradients multiply.\n- **Exploding**\n"
    )
    assert _points(doc) == [
        "The state is reused at every step.",
        "Gradients multiply.",
        "Exploding",
    ]


def test_short_fragments_of_running_text_are_not_points() -> None:
    doc = "1. Why?\n\nThe state is reused at every step. See above. Gradients then multiply.\n"
    assert _points(doc) == ["The state is reused at every step.", "Gradients then multiply."]


def test_table_rows_are_contrasts_between_the_header_subjects() -> None:
    doc = "1. Differences?\n\n| CNN | RNN |\n|---|---|\n| grids | sequences. |\n| fixed size | variable length |\n"
    (question,) = parse_document(doc)
    points = key_points(question)
    assert [p.contrast for p in points] == [
        (("CNN", "Grids"), ("RNN", "Sequences")),
        (("CNN", "Fixed size"), ("RNN", "Variable length")),
    ]
    assert points[0].text == "CNN: Grids; RNN: Sequences"


def test_table_with_a_row_label_column() -> None:
    doc = "1. Compare?\n\n| Aspect | CNN | RNN |\n|---|---|---|\n| input | grids | sequences |\n"
    (question,) = parse_document(doc)
    (point,) = key_points(question)
    assert point.contrast == (("CNN", "Grids"), ("RNN", "Sequences"))
    assert point.text == "Input: CNN: Grids; RNN: Sequences"


def test_paragraph_sentences_split_comma_splices_but_not_conditionals() -> None:
    doc = (
        "1. What is it?\n\nIt is a kind of network, part of a larger framework, which has the "
        "following particularities:\n\nthe input weights are random and never trained at all ,the "
        "output weights are trained by linear regression on states .The reservoir is sparse.\n\n"
        "If the sequence is very long, the product of derivatives tends to vanish over time.\n"
    )
    assert _points(doc) == [
        "It is a kind of network, part of a larger framework",
        "The input weights are random and never trained at all",
        "The output weights are trained by linear regression on states",
        "The reservoir is sparse.",
        "If the sequence is very long, the product of derivatives tends to vanish over time.",
    ]


def test_math_and_its_caption_are_not_key_points() -> None:
    doc = "1. Q?\n\n- A real point is made here.\n\n$$x=1$$\n\nThe error term\n\nAnother real point here.\n"
    assert _points(doc) == ["A real point is made here.", "Another real point here."]


def test_clean_removes_emphasis_keeps_math_and_capitalises() -> None:
    # The math keeps its delimiters: the pages typeset it (without them it showed raw).
    assert (
        clean("the value **tends to vanish,** here $E^{(k)}$ ,")
        == "The value tends to vanish, here $E^{(k)}$"
    )


def test_a_qualified_phrase_is_not_a_list() -> None:
    assert _points("1. How many dimensions? All the dimensions, except the first one\n") == [
        "All the dimensions, except the first one"
    ]
    assert _points("1. Main operations of a stack? Push and pop\n") == ["Push", "Pop"]
