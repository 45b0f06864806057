"""Importing graded answers: a bad row is refused with its line, the good ones are kept."""

from __future__ import annotations

from grader.learning.imports import read_grades


def test_bad_rows_are_named_and_good_rows_kept() -> None:
    text = (
        "question_id,answer,points\n"
        "q1,A good answer,2\n"
        "nope,Whatever,1\n"
        "q1,,1\n"
        "q1,Too many,3\n"
        'q1,"An answer, with a comma",one\n'
        "q2,Half right,0.5\n"
    )
    rows, problems = read_grades(text, {"q1": 2.0, "q2": 1.0})
    assert [(r.line, r.question_id, r.points, r.max_points) for r in rows] == [
        (2, "q1", 2.0, 2.0),
        (7, "q2", 0.5, 1.0),
    ]
    assert [(p.line, p.message) for p in problems] == [
        (3, "question_id: no rubric 'nope'"),
        (4, "answer: empty"),
        (5, "points: 3 is outside 0..2"),
        (6, "points: not a number"),
    ]


def test_a_file_without_the_columns_is_refused_at_line_one() -> None:
    rows, problems = read_grades("id,text\n1,x\n", {"q1": 1.0})
    assert rows == [] and problems[0].line == 1 and "question_id" in problems[0].message


def test_a_spreadsheet_saved_with_semicolons_and_decimal_commas() -> None:
    # As a spreadsheet writes CSV where the decimal mark is a comma: ";" between columns.
    text = (
        "question_id;answer;points;max_points\n"
        'q1;"Vanishing gradients; and exploding ones";1,5;2\n'
        "q1;Half;0,5;\n"
        "q1;Too many;2,5;\n"
    )
    rows, problems = read_grades(text, {"q1": 2.0})
    assert [(r.line, r.answer, r.points, r.max_points) for r in rows] == [
        (2, "Vanishing gradients; and exploding ones", 1.5, 2.0),
        (3, "Half", 0.5, 2.0),
    ]
    assert [(p.line, p.message) for p in problems] == [(4, "points: 2.5 is outside 0..2")]


def test_tabs_separate_columns_too_and_a_comma_is_no_decimal_mark_with_commas() -> None:
    rows, _ = read_grades("question_id\tanswer\tpoints\nq1\tA, B\t1\n", {"q1": 2.0})
    assert [(r.answer, r.points) for r in rows] == [("A, B", 1.0)]
    _, problems = read_grades('question_id,answer,points\nq1,A,"1,5"\n', {"q1": 2.0})
    assert [p.message for p in problems] == ["points: not a number"]
