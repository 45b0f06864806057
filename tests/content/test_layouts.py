"""Documents in every layout lecturers use: prompts, answers, alternatives, notes and points."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.content.annotations import prompt_points, split_annotations
from grader.content.load import load_document
from grader.content.parser import read_document
from grader.errors import ContentError
from tests.conftest import REPO_ROOT

DOCUMENTS = REPO_ROOT / "tests" / "data" / "documents"


def test_headings_labels_and_an_unlabelled_answer() -> None:
    parsed = load_document(DOCUMENTS / "headings-and-labels.md")
    prompts = [q.prompt for q in parsed.questions]
    assert prompts == [
        "Which scheduling policy would you choose for this server? Give two reasons and one "
        "weakness of your choice in 2-4 sentences.",
        "A program prints the wrong total when two threads update a shared counter. Why is the "
        "output wrong? What would you change? Explain it to a colleague.",
        "What does a page table map?",
        "Name one example of a deadlock-free resource allocation strategy.",
    ]
    scheduling, threads, pages, deadlock = parsed.questions
    assert scheduling.points == 3
    assert scheduling.notes == ("0.5 P for a sensible choice, 1 P for each reason.",)
    assert scheduling.answer.startswith("Round robin with a small quantum.")
    assert "P for" not in scheduling.answer
    assert threads.answer.startswith("The increment is not atomic")
    assert pages.alternatives == ("virtual addresses to physical addresses", "pages to frames")
    assert deadlock.notes == ("accept any avoidance strategy",)
    assert "[" not in deadlock.answer
    assert [q.heading for q in parsed.questions] == ["Operating systems, week 3"] * 4
    # The one guess the reader made is reported with its line.
    assert [(n.line, "no 'Answer:' label" in n.message) for n in parsed.notes] == [(7, True)]


def test_q_and_a_pairs_with_numbers_points_and_alternative_lists() -> None:
    parsed = load_document(DOCUMENTS / "qa-pairs.md")
    acid, index, bloom = parsed.questions
    assert (acid.number, acid.prompt) == (1, "What does ACID stand for?")
    assert acid.answer == "Atomicity, consistency, isolation and durability."
    assert (index.prompt, index.points) == ("Why do databases use indexes?", 2.0)
    assert index.notes == ("the B-tree is not required",)
    assert bloom.alternatives == (
        "skipping disk reads for missing keys in an LSM tree",
        "a browser's list of malicious URLs",
    )
    assert parsed.notes == []


def test_question_paragraphs_without_numbers_or_labels() -> None:
    parsed = load_document(DOCUMENTS / "question-paragraphs.md")
    assert [q.prompt for q in parsed.questions] == [
        "Why does a hash table need a good hash function? Explain briefly.",
        "What is amortised analysis?",
    ]
    assert parsed.questions[1].answer.startswith("The average cost")
    assert all(note.line in (1, 3, 5, 7) for note in parsed.notes)


def test_a_numbered_question_of_several_sentences_keeps_them_all() -> None:
    parsed = load_document(DOCUMENTS / "numbered-multi-sentence.md")
    scheduling, deadlock = parsed.questions
    assert scheduling.prompt == (
        "Which scheduling policy would you choose for this server? Give two reasons in 2-4 "
        "sentences."
    )
    assert scheduling.answer.startswith("Round robin")
    assert deadlock.prompt == "What is a deadlock? Answer in one sentence."
    assert deadlock.alternatives == ("a cycle in the wait-for graph",)
    assert {note.line for note in parsed.notes} == {1, 5}


def test_the_seed_exam_reports_its_one_guess() -> None:
    parsed = read_document((REPO_ROOT / "content" / "deep-learning-exam.md").read_text(), "exam")
    assert len(parsed.questions) == 6
    assert [n.message for n in parsed.notes if "first capitalised word" in n.message] == [
        "question 3: no '?' ends the question; assumed its answer starts at 'Google' (the first "
        "capitalised word)"
    ]


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        ("Why do databases use indexes? (2 points)", ("Why do databases use indexes?", 2.0)),
        ("Explain paging [1.5 P]", ("Explain paging", 1.5)),
        ("Explain paging - 4 marks", ("Explain paging", 4.0)),
        ("What is 2 + 2?", ("What is 2 + 2?", None)),
    ],
)
def test_points_in_a_prompt(prompt: str, expected: tuple[str, float | None]) -> None:
    assert prompt_points(prompt) == expected


def test_grading_notes_never_stay_in_the_answer() -> None:
    lines = list(
        enumerate(
            [
                "Round robin [the quantum does not matter].",
                "1 point for the policy, 1 point for the reason.",
                "Grading: be lenient with spelling.",
                "Accept: FIFO; first come first served",
            ],
            start=1,
        )
    )
    result = split_annotations(lines)
    assert [text for _, text in result.lines] == ["Round robin."]
    assert result.alternatives == ["FIFO", "first come first served"]
    assert result.notes == ["the quantum does not matter", "be lenient with spelling"]
    # The marking line is read as points (build_question keeps it as a note beside an answer).
    assert [(m.points, m.text) for m in result.marks] == [(1.0, "The policy"), (1.0, "The reason")]
    assert [text for _, text in result.scheme] == [
        "1 point for the policy, 1 point for the reason."
    ]


def test_an_unsupported_file_is_refused_by_name(tmp_path: Path) -> None:
    pdf = tmp_path / "exam.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    with pytest.raises(ContentError, match=r"cannot read '\.pdf' files; supported: \.md"):
        load_document(pdf)


def test_a_question_whose_answer_is_only_notes_is_skipped_at_its_line() -> None:
    text = "Q: What is a heap?\nA: [to be written]\n\nQ: What is a stack?\nA: A LIFO list.\n"
    parsed = read_document(text, "doc")
    assert [q.prompt for q in parsed.questions] == ["What is a stack?"]
    assert [(e.line, e.message.split(" (")[0]) for e in parsed.skipped] == [
        (1, "question 1 has no answer")
    ]
    with pytest.raises(ContentError, match="question 1 has no answer"):
        read_document(text, "doc", strict=True)


def test_numbered_questions_with_answer_labels() -> None:
    parsed = read_document(
        "1. What is a mutex?\nAnswer: A lock for one thread at a time.\n\n"
        "2) What is a semaphore?\nA: A counter of threads allowed in.\n",
        "doc",
    )
    assert [(q.prompt, q.answer) for q in parsed.questions] == [
        ("What is a mutex?", "A lock for one thread at a time."),
        ("What is a semaphore?", "A counter of threads allowed in."),
    ]


def test_only_the_answers_are_labelled() -> None:
    parsed = read_document(
        "Which policy would you choose for this server? Give two reasons.\n\n"
        "Answer: Round robin keeps response times short for everyone.\n\n"
        "Explain paging in one sentence.\n"
        "Answer: Memory is split into fixed-size pages mapped to frames.\n",
        "doc",
    )
    assert [q.prompt for q in parsed.questions] == [
        "Which policy would you choose for this server? Give two reasons.",
        "Explain paging in one sentence.",
    ]
    assert parsed.questions[1].answer == "Memory is split into fixed-size pages mapped to frames."


def test_bold_question_labels_with_their_marks_and_italic_answer_labels() -> None:
    # A common quiz layout: "**Question 2 (3 marks).**" and "*Answer:*". The second question
    # asks nothing ("Name three gates."): read by its label, never folded into the first's answer.
    parsed = load_document(DOCUMENTS / "bold-labels-with-marks.md")
    assert [(q.number, q.prompt, q.points) for q in parsed.questions] == [
        (1, "What problem does the LSTM's cell state solve?", 2),
        (2, "Name three gates of an LSTM.", 3),
        (3, "What does teacher forcing feed the decoder during training?", 1),
    ]
    first, gates, forcing = parsed.questions
    assert first.answer.startswith("It lets gradients flow")
    assert "Question 2" not in first.answer and "Answer" not in first.answer
    assert [line.strip("- ") for line in gates.answer.splitlines()] == [
        "the input gate", "the forget gate", "the output gate",
    ]  # fmt: skip
    assert (
        forcing.answer == "The ground-truth previous token instead of the model's own prediction."
    )
    assert parsed.notes == []


def test_numbered_headings_that_ask_are_the_questions() -> None:
    parsed = read_document(
        "### 1. What is a learning rate?\n\nThe step size of gradient descent.\n\n"
        "### 2. Name two optimisers.\n\nSGD with momentum and Adam.\n\n"
        "### 3. What is momentum?\n\nAn average of past gradients added to the update.\n"
    )
    assert [(q.number, q.prompt, q.answer) for q in parsed.questions] == [
        (1, "What is a learning rate?", "The step size of gradient descent."),
        (2, "Name two optimisers.", "SGD with momentum and Adam."),
        (3, "What is momentum?", "An average of past gradients added to the update."),
    ]


def test_numbered_section_headings_stay_sections() -> None:
    # "## 1. Processes" titles a section of numbered questions: it is no question itself.
    parsed = read_document(
        "## 1. Processes\n\n1. What is a process?\n   A program in execution.\n\n"
        "## 2. Memory\n\n2. What does a page table map?\n   Pages to frames.\n"
    )
    assert [(q.prompt, q.heading) for q in parsed.questions] == [
        ("What is a process?", "1. Processes"),
        ("What does a page table map?", "2. Memory"),
    ]


def test_ans_is_an_answer_label() -> None:
    parsed = read_document(
        "Q1) What is overfitting?\nAns: Fitting the noise of the training data.\n\n"
        "Q2) Name two ways to reduce it.\nAns. More data; regularisation.\n"
    )
    assert [(q.prompt, q.answer) for q in parsed.questions] == [
        ("What is overfitting?", "Fitting the noise of the training data."),
        ("Name two ways to reduce it.", "More data; regularisation."),
    ]


def test_an_answer_label_on_a_bullet_under_its_question_is_no_key_point() -> None:
    # "- Answer: ..." under "1) Define ..." kept "Answer:" as the start of the key point.
    parsed = read_document(
        "1) Define virtual memory.\n   - Answer: Each process gets its own address space.\n"
        "2) What does the TLB cache?\n   * Answer: Recent page translations.\n"
    )
    assert [(q.prompt, q.answer) for q in parsed.questions] == [
        ("Define virtual memory.", "Each process gets its own address space."),
        ("What does the TLB cache?", "Recent page translations."),
    ]


def test_a_question_and_answer_table() -> None:
    parsed = load_document(DOCUMENTS / "qa-table.md")
    assert [(q.number, q.prompt, q.points, q.heading) for q in parsed.questions] == [
        (1, "What is a perceptron?", 1, "Neural networks, week 1"),
        (2, "Name two activation functions.", 2, "Neural networks, week 1"),
        (4, "Why is the | symbol read as a pipe here?", 1, "Neural networks, week 1"),
    ]
    assert parsed.questions[1].answer.splitlines() == ["ReLU", "the sigmoid"]
    # The row without an answer is named with its line; the unknown column is reported.
    assert [(e.line, "has no answer" in str(e)) for e in parsed.skipped] == [(7, True)]
    assert [n.line for n in parsed.notes] == [3] and "'#'" in parsed.notes[0].message


def test_a_table_inside_an_answer_is_not_a_question_table() -> None:
    parsed = read_document(
        "1. Write two differences between RNN and CNN?\n\n"
        "| CNN | RNN |\n|---|---|\n| images | sequences |\n"
    )
    assert [q.prompt for q in parsed.questions] == ["Write two differences between RNN and CNN?"]
