"""Generated rubrics for the seed exam, and the pieces they are built from."""

from __future__ import annotations

import pytest

from grader.content import parse_document
from grader.rubrics.checks import check_rubric
from grader.rubrics.generate import asked_count, asks_for_example, build_rubric, topic_of
from grader.rubrics.schema import Rubric
from tests.conftest import EXAM


@pytest.fixture(scope="module")
def rubrics() -> dict[int, Rubric]:
    questions = parse_document(EXAM.read_text(encoding="utf-8"), "exam")
    return {q.number: build_rubric(q, "content/deep-learning-exam.md") for q in questions}


def test_every_generated_rubric_is_consistent(rubrics: dict[int, Rubric]) -> None:
    assert len(rubrics) == 6
    for rubric in rubrics.values():
        assert check_rubric(rubric, known_demos=set()) == []


def test_rnn_vs_cnn_has_four_contrasts_any_two_and_four_swaps(rubrics: dict[int, Rubric]) -> None:
    rubric = rubrics[1]
    assert len(rubric.criteria) == 4
    assert all(
        [c.subject for c in criterion.contrast] == ["CNN", "RNN"] for criterion in rubric.criteria
    )
    assert rubric.select is not None and rubric.select.any == 2
    assert rubric.max_points == 2
    assert len(rubric.misconceptions) == 4
    for criterion, misconception in zip(rubric.criteria, rubric.misconceptions, strict=True):
        cnn, rnn = criterion.contrast
        assert misconception.criterion == criterion.id
        assert misconception.text == f"CNN: {rnn.claim}; RNN: {cnn.claim}"


def test_list_answers_have_one_criterion_per_item(rubrics: dict[int, Rubric]) -> None:
    assert [c.text for c in rubrics[2].criteria] == ["Vanishing gradients", "Exploding gradients"]
    assert [c.text for c in rubrics[4].criteria] == ["Generative models", "Discriminative models"]
    assert [c.text for c in rubrics[3].criteria] == ["Google Street view"]


def test_echo_state_network_key_facts_are_separate(rubrics: dict[int, Rubric]) -> None:
    texts = [c.text.lower() for c in rubrics[5].criteria]
    assert len(texts) == 4
    assert "recurrent neural network" in texts[0] and "reservoir computing" in texts[0]
    assert "randomly assigned and not trainable" in texts[1]
    assert "readout" in texts[2] and "trainable" in texts[2]
    assert "sparsely connected" in texts[3]


def test_gradient_question_skips_math_and_its_caption(rubrics: dict[int, Rubric]) -> None:
    texts = [c.text for c in rubrics[6].criteria]
    assert len(texts) == 5
    assert not any("\\frac" in t or t == "The gradient of the error term in an RNN" for t in texts)


def test_the_reference_answer_keeps_the_instructors_wording(rubrics: dict[int, Rubric]) -> None:
    assert "time stpes are large" in rubrics[6].reference_answer
    assert rubrics[2].reference_answer == "Vanishing and exploding gradients"


@pytest.mark.parametrize(
    ("prompt", "count"),
    [
        ("Write any two differences between RNN and CNN?", 2),
        ("List 3 advantages of dropout.", 3),
        ("Name three activation functions", 3),
        ("What is Echo state network?", None),
    ],
)
def test_asked_count(prompt: str, count: int | None) -> None:
    assert asked_count(prompt) == count


@pytest.mark.parametrize(
    ("prompt", "topic"),
    [
        ("Why do we use batch normalization?", "Batch normalization"),  # was "We"
        ("What do you mean by attention?", "Attention"),  # was "You"
        ("How does one choose a learning rate?", "Learning rate"),
        ("What is dropout?", "Dropout"),
        # Each of these was the asking word alone ("When", "How", "Why", "Happens", "In"),
        # which put unrelated questions under one topic in a student's mastery.
        ("When do gradients vanish in an RNN?", "Gradients vanish in an RNN"),
        ("How can we prevent overfitting?", "Overfitting"),
        ("Why should we normalise the inputs?", "Inputs"),
        ("Where is the page table stored?", "Page table stored"),
        ("What happens when the learning rate is too high?", "Learning rate"),
        ("In which case is momentum useful?", "Momentum useful"),
    ],
)
def test_a_topic_names_the_subject_not_the_asker(prompt: str, topic: str) -> None:
    (question,) = parse_document(f"1. {prompt}\n   Some answer.\n")
    assert topic_of(question) == topic


def test_topics(rubrics: dict[int, Rubric]) -> None:
    assert rubrics[1].topic == "RNN vs CNN"
    assert rubrics[5].topic == "Echo state network"
    (question,) = parse_document("## Attention\n\n1. Give an example? Street view\n")
    assert topic_of(question) == "Attention"


@pytest.mark.parametrize(
    ("prompt", "examples"),
    [
        ("Give a real world application of visual attention", True),
        ("Name one example of a self-balancing tree.", True),
        ("Suggest two practical use cases for a bloom filter.", True),
        ("Give an example of overfitting.", True),
        ("What is an echo state network?", False),
        ("Write any two differences between RNN and CNN?", False),
        ("Give the definition of a heap.", False),
    ],
)
def test_prompts_that_ask_for_an_example(prompt: str, examples: bool) -> None:
    assert asks_for_example(prompt) is examples


def test_an_example_question_accepts_any_example(rubrics: dict[int, Rubric]) -> None:
    attention = rubrics[3]
    assert attention.accepts == "examples"
    assert attention.counting_rule() is not None
    assert all(r.accepts == "key-points" for n, r in rubrics.items() if n != 3)


def _question(text: str) -> Rubric:
    from grader.content.parser import read_document

    (question,) = read_document(text, "doc").questions
    return build_rubric(question, "doc")


def test_alternatives_are_phrasings_of_one_criterion_not_more_points() -> None:
    rubric = _question(
        "Q: What does a page table map?\n"
        "A: Virtual pages to physical frames.\n"
        "Also accepted: virtual addresses to physical addresses; pages to frames; "
        "page numbers to frame numbers; logical to physical addresses\n"
    )
    assert rubric.max_points == 1
    (criterion,) = rubric.criteria
    assert criterion.text == "Virtual pages to physical frames."
    assert len(criterion.phrasings) == 4


def test_an_answer_with_alternatives_keeps_its_own_words() -> None:
    # Its key points joined ("Forget gate Input gate") are not how anyone says it.
    rubric = _question(
        "Q: Name two LSTM gates.\nA: forget gate and input gate\n"
        "Also accepted: input gate and output gate\n"
    )
    (criterion,) = rubric.criteria
    assert criterion.text == "forget gate and input gate"
    assert criterion.phrasings == ["input gate and output gate"]


def test_the_documents_points_are_shared_and_its_notes_kept() -> None:
    rubric = _question(
        "Q: Why do databases use indexes and what do they cost? (3 points)\n"
        "A: An index finds rows without a full scan. It costs space. It slows down writes.\n"
        "Note: accept B-trees or hash indexes.\n"
    )
    assert rubric.max_points == 3
    assert [c.points for c in rubric.criteria] == [1, 1, 1]
    assert rubric.notes == ["accept B-trees or hash indexes"]
    assert all("accept" not in c.text for c in rubric.criteria)
    assert check_rubric(rubric) == []
    thirds = _question("Q: Explain X. (2 points)\nA: One thing. Another thing. A third thing.\n")
    assert sum(c.points for c in thirds.criteria) == 2 and check_rubric(thirds) == []


@pytest.mark.parametrize(
    ("prompt", "topic"),
    [
        (
            "Which scheduling policy would you choose for this server? Give two reasons and one "
            "weakness of your choice in 2-4 sentences.",
            "Scheduling policy",
        ),
        ("Why does a hash table need a good hash function?", "Hash table"),
        ("Write any two differences between RNN and CNN?", "RNN vs CNN"),
        ("What is amortised analysis?", "Amortised analysis"),
    ],
)
def test_a_topic_is_a_short_phrase_never_the_whole_prompt(prompt: str, topic: str) -> None:
    rubric = _question(f"Q: {prompt}\nA: Something true.\n")
    assert rubric.topic == topic


def test_a_topic_leaves_out_how_to_answer() -> None:
    assert _question("Q: Explain paging in one sentence.\nA: Pages map to frames.\n").topic == (
        "Paging"
    )


@pytest.fixture(scope="module")
def scheme() -> dict[int, Rubric]:
    from grader.content.parser import read_document
    from tests.conftest import REPO_ROOT

    path = REPO_ROOT / "tests" / "data" / "documents" / "marking-scheme.md"
    parsed = read_document(path.read_text(encoding="utf-8"), "scheme.md")
    return {q.number: build_rubric(q, "scheme.md") for q in parsed.questions}


def test_a_marking_scheme_alone_becomes_criteria_with_its_points(
    scheme: dict[int, Rubric],
) -> None:
    rubric = scheme[1]
    assert [(c.text, c.points) for c in rubric.criteria] == [
        ("A sensible choice", 0.5), ("The drawback", 1.0), ("An advantage", 1.0),
    ]  # fmt: skip
    assert rubric.criteria[0].phrasings == ["Token Ring", "p-persistent CSMA", "TDMA"]
    assert rubric.max_points == 2.5
    # Students read the key points as the worked answer, never "0.5 P for ..."; the scheme as
    # written is a note for instructors.
    assert rubric.reference_answer == "- A sensible choice\n- The drawback\n- An advantage"
    assert any(n.startswith("Marking scheme: 0.5 P for a sensible choice") for n in rubric.notes)
    # "May be considered" lists are for whoever grades: one property must not earn two points.
    assert any("determinism" in note for note in rubric.notes)
    assert all("determinism" not in p for c in rubric.criteria for p in c.phrasings)
    assert check_rubric(rubric, known_demos=set()) == []


def test_bracketed_points_are_criteria(scheme: dict[int, Rubric]) -> None:
    rubric = scheme[4]
    assert [(c.text, c.points) for c in rubric.criteria] == [
        ("Physical, data link, network", 1.0), ("Transport, session", 1.0),
        ("Presentation, application", 1.0),
    ]  # fmt: skip
    assert rubric.max_points == 3


def test_a_scheme_beside_a_model_answer_is_a_note_and_sets_the_marks(
    scheme: dict[int, Rubric],
) -> None:
    rubric = scheme[5]
    assert rubric.max_points == 2
    assert "Round robin" in rubric.criteria[0].text
    assert "1 point for the policy, 1 point for the reason." in rubric.notes


def test_a_list_in_running_text_keeps_its_items_and_the_hint_counts_what_is_asked(
    scheme: dict[int, Rubric],
) -> None:
    rubric = scheme[2]
    assert [c.text for c in rubric.criteria] == [
        "Mutual exclusion", "Hold and wait", "No preemption", "Circular wait",
    ]  # fmt: skip
    assert rubric.select is None
    assert rubric.hints == ["The question asks for 4: give each one."]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Red, green and blue", ["Red", "green", "blue"]),
        ("Red, green, and blue", ["Red", "green", "blue"]),
        ("Vanishing and exploding gradients", ["Vanishing gradients", "exploding gradients"]),
    ],
)
def test_lists_split_by_their_own_separators(text: str, expected: list[str]) -> None:
    from grader.rubrics.keypoints import _list_items

    assert [item.casefold() for item in _list_items(text)] == [e.casefold() for e in expected]


def test_a_definition_gets_a_hint_that_fits_it() -> None:
    (question,) = parse_document("1. What is thrashing?\n\nThrashing is when the system "
                                 "spends its time swapping pages instead of executing.\n")  # fmt: skip
    hints = build_rubric(question, "os.md").hints
    assert hints and "name it exactly" not in hints[0]
