"""Key points are the unit of every grade, over HTTP on both databases with the real model: an
instructor grades by key points (stored per key point), and the student's attempts, the LMS
event and the gradebook all tell that grade one way; a group grade never spreads to members the
machine graded otherwise than its representative."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from grader.scoring.decisions import told_one_way
from grader.scoring.grade import Grade
from grader.store.models import CriterionDecision, WebhookEvent
from grader.store.session import make_engine, make_sessions
from tests.api.helpers import app_on_copied_rubrics, token_headers

QUESTION = "what-are-the-challenges-of-long-term-dependencies"
VANISHING, EXPLODING = "vanishing-gradients", "exploding-gradients"


@pytest.fixture(scope="module")
def database(own_database_url: str) -> str:
    """A database of this module's own: the question's groups are only these answers."""
    return own_database_url


@pytest.fixture(scope="module")
def client(database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with app_on_copied_rubrics(database, tmp_path_factory) as test_client:
        yield test_client


def _answer(
    client: TestClient, database: str, name: str, answer: str
) -> tuple[int, dict[str, str]]:
    student = token_headers(database, "student", name)
    response = client.post(f"/questions/{QUESTION}/attempts", json={"answer": answer},
                           headers=student)  # fmt: skip
    assert response.status_code == 201, response.text
    return int(response.json()["attempt_id"]), student


def _event_of(database: str, attempt_id: int) -> dict[str, Any]:
    """The newest event about the attempt: its data, with its ``type``."""
    engine = make_engine(database)
    with make_sessions(engine)() as session:
        events = session.scalars(select(WebhookEvent).order_by(WebhookEvent.id.desc()))
        payload = next(
            e.payload for e in events if e.payload["data"]["attempt"]["id"] == attempt_id
        )
    engine.dispose()
    return {**payload["data"], "type": payload["type"]}


def _decisions(database: str, attempt_id: int) -> dict[str, tuple[float, str, str]]:
    engine = make_engine(database)
    with make_sessions(engine)() as session:
        rows = session.scalars(
            select(CriterionDecision).where(CriterionDecision.attempt_id == attempt_id)
        )
        found = {r.criterion_id: (r.credit, r.source, r.by) for r in rows}
    engine.dispose()
    return found


def _listed(client: TestClient, instructor: dict[str, str]) -> dict[int, dict[str, Any]]:
    listed = client.get("/attempts", params={"question_id": QUESTION}, headers=instructor)
    return {a["id"]: a for a in listed.json()}


def _met(grade: dict[str, Any]) -> set[str]:
    return {c["id"] for c in grade["criteria"] if c["met"]}


def test_an_instructor_grades_by_key_points_and_every_reader_is_told_the_same(
    client: TestClient, database: str
) -> None:
    instructor = token_headers(database, "instructor")
    attempt_id, student = _answer(client, database, "kp-ada", "Vanishing and exploding gradients.")
    url = f"/attempts/{attempt_id}/override"

    refused = client.post(url, json={"criteria": ["no-such-point"]}, headers=instructor)
    assert (
        refused.status_code == 422
        and "criteria" in refused.text
        and "no-such-point" in refused.text
    )
    assert client.post(url, json={"reason": "x"}, headers=instructor).status_code == 422
    alone = client.post(url, json={"points": 1}, headers=instructor)  # a total needs a reason
    assert alone.status_code == 422
    assert alone.json()["errors"] == [
        {"field": "reason", "message": "say why, when you set the points without the key points"}
    ]

    done = client.post(url, json={"criteria": [VANISHING]}, headers=instructor)
    assert done.status_code == 200, done.text
    assert done.json()["points"] == 1 and done.json()["overridden"]
    # Stored per key point: who decided each, met or not.
    decisions = _decisions(database, attempt_id)
    assert {k: v[0] for k, v in decisions.items()} == {VANISHING: 1.0, EXPLODING: 0.0}
    assert all(source == "instructor" and by.startswith("instructor token")
               for _, source, by in decisions.values())  # fmt: skip

    (mine,) = client.get("/me/attempts", headers=student).json()
    assert mine["points"] == 1 and mine["grade"]["points"] == 1
    assert _met(mine["grade"]) == {VANISHING}
    assert {c["decided_by"] for c in mine["grade"]["criteria"]} == {"instructor"}
    assert told_one_way(Grade.model_validate(mine["grade"])) == []
    event = _event_of(database, attempt_id)
    assert event["attempt"]["points"] == 1 and event["attempt"]["verdict"] == mine["verdict"]
    assert "Missing: “Exploding gradients”" in event["score"]["comment"]

    # A total the key points do not add up to is an adjustment, shown with its reason.
    adjusted = client.post(
        url, json={"criteria": [VANISHING], "points": 1.5, "reason": "exploding is implied"},
        headers=instructor,
    )  # fmt: skip
    assert adjusted.status_code == 200, adjusted.text
    (mine,) = client.get("/me/attempts", headers=student).json()
    grade = mine["grade"]
    assert grade["points"] == 1.5 and _met(grade) == {VANISHING}
    assert grade["adjustment"] == {
        "points": 0.5,
        "reason": "exploding is implied",
        "by": "instructor",
    }
    assert "Your instructor added 0.5 points: exploding is implied." in grade["feedback"]
    assert told_one_way(Grade.model_validate(grade)) == []

    # A regrade keeps the instructor's key points and adjustment.
    assert client.post(f"/rubrics/{QUESTION}/regrade", headers=instructor).status_code == 200
    (mine,) = client.get("/me/attempts", headers=student).json()
    assert mine["grade"]["points"] == 1.5 and _met(mine["grade"]) == {VANISHING}
    rows = list(csv.DictReader(io.StringIO(client.get("/gradebook.csv", headers=instructor).text)))
    (row,) = [r for r in rows if r["attempt_id"] == str(attempt_id)]
    assert row["points"] == "1.5"


def test_a_group_grade_goes_only_to_answers_the_machine_graded_alike(
    client: TestClient, database: str
) -> None:
    """The issue's queue: a denial grouped with right answers is held back, not given their
    grade; graded by key points, each member gets those key points with its own evidence."""
    instructor = token_headers(database, "instructor")
    answers = [
        "Vanishing gradients.",
        "Vanishing gradients, really.",
        "The gradients vanish.",
        "Vanishing and exploding gradients.",
        "It is not about vanishing gradients; the problem is the memory size.",
        "Exploding gradients.",
    ]
    students: dict[int, dict[str, str]] = {}
    for n, text in enumerate(answers):
        attempt_id, students[attempt_id] = _answer(client, database, f"kp-group-{n}", text)
    made = set(students)
    listed = client.get("/attempts", params={"question_id": QUESTION}, headers=instructor)
    mine = [a for a in listed.json() if a["id"] in made]
    machine = {a["id"]: _met(a["grade"]) for a in mine}
    points = {a["id"]: a["points"] for a in mine}
    groups = client.get(f"/questions/{QUESTION}/groups", headers=instructor).json()
    graded_alike: set[int] = set()
    for group in groups:
        rep = group["representative"]
        held = {h["attempt"]: set(h["differs"]) for h in group["held_back"]}
        assert all(h["why"] == "machine" for h in group["held_back"]), group
        for member in group["members"][1:]:
            # Held back for the key points the machine judged otherwise, and for points more
            # than a quarter of the 2 marks from the representative's.
            differs = machine[member] ^ machine[rep]
            if abs(points[member] - points[rep]) > 0.5:
                differs.add("points")
            assert held.get(member, set()) == differs, (group, machine, points)
        response = client.post(f"/groups/{group['id']}/grade",
                               json={"representative": rep, "criteria": sorted(machine[rep])},
                               headers=instructor)  # fmt: skip
        assert response.status_code == 200, response.text
        graded = {a["id"] for a in response.json()["graded"]}
        assert graded == set(group["members"]) - set(held)
        graded_alike |= graded
        for attempt in response.json()["graded"]:
            assert attempt["grade"]["points"] == pytest.approx(len(machine[rep]))
            assert _met(attempt["grade"]) == machine[rep]
            if attempt["id"] != rep:
                decisions = _decisions(database, attempt["id"])
                assert {k for k, v in decisions.items() if v[0] >= 0.5} == machine[rep]
    # Every answer graded through a group was one the machine graded like its representative.
    listed = client.get("/attempts", params={"question_id": QUESTION}, headers=instructor).json()
    for attempt in listed:
        if attempt["id"] in graded_alike:
            assert _met(attempt["grade"]) == machine[attempt["id"]]
            # Its student's record follows the group's grade: whole key points, not the
            # machine's partial credit.
            progress = client.get("/me/progress", headers=students[attempt["id"]]).json()
            (record,) = progress["questions"]
            assert record["last_score"] == attempt["grade"]["score"] in (0.0, 0.5, 1.0)


def test_a_correction_of_the_machine_on_the_representative_is_not_spread(
    client: TestClient, database: str
) -> None:
    """The machine judged the members like the representative; the instructor's key points for
    the representative say the machine was wrong there, so its agreement between them is no
    evidence: with the members left to the default, only the representative is graded, and the
    others stay in review, told why. The same key points as the machine's go to them all."""
    instructor = token_headers(database, "instructor")
    made = [
        _answer(client, database, f"kp-correct-{n}", a)[0]
        for n, a in enumerate(
            ["Exploding gradients, surely.", "Exploding gradients, certainly.",
             "Exploding gradients, of course."]
        )
    ]  # fmt: skip
    groups = client.get(f"/questions/{QUESTION}/groups", headers=instructor).json()
    group = next(g for g in groups if set(made) <= set(g["members"]))
    rep = group["representative"]
    alike = set(group["members"][1:]) - {h["attempt"] for h in group["held_back"]}
    assert alike, group
    machine = _met(_listed(client, instructor)[rep]["grade"])
    decided = sorted(machine ^ {VANISHING})  # the instructor decides the vanishing point otherwise
    response = client.post(f"/groups/{group['id']}/grade",
                           json={"representative": rep, "criteria": decided},
                           headers=instructor)  # fmt: skip
    assert response.status_code == 200, response.text
    body = response.json()
    assert [a["id"] for a in body["graded"]] == [rep] and body["corrected"] == [VANISHING]
    held = {h["attempt"]: (h["differs"], h["why"]) for h in body["held_back"]}
    # Told apart from a member the machine graded otherwise: this is the decision's correction.
    assert {m: held[m] for m in alike} == {m: ([VANISHING], "corrected") for m in alike}
    assert all(why == "machine" for m, (_, why) in held.items() if m not in alike), held
    listed = _listed(client, instructor)
    assert not any(listed[m]["overridden"] for m in alike)
    # A total other than the key points earn is a correction too; the machine's own key points
    # are none, and go to every alike member.
    regrouped = client.get(f"/questions/{QUESTION}/groups", headers=instructor).json()
    rest = next(g for g in regrouped if alike & set(g["members"]))
    again = rest["representative"]
    ones = _met(_listed(client, instructor)[again]["grade"])
    adjusted = client.post(f"/groups/{rest['id']}/grade",
                           json={"representative": again, "criteria": sorted(ones),
                                 "points": 0.25 + len(ones)},
                           headers=instructor).json()  # fmt: skip
    assert adjusted["corrected"] == ["points"] and len(adjusted["graded"]) == 1


GAN = "what-are-the-learning-models-used-for-creating-adversarial"
CREDITED = (
    "A generator that creates new data and a discriminator that labels data as real or generated."
)
ALIKE = "A generator creates new data and a discriminator labels the data as real or generated."


def test_a_key_point_decision_teaches_the_class_from_the_first_one(
    client: TestClient, database: str
) -> None:
    instructor = token_headers(database, "instructor")

    students: dict[str, dict[str, str]] = {}

    def answer(name: str, text: str, question: str = GAN) -> tuple[int, dict[str, Any]]:
        student = students[name] = token_headers(database, "student", name)
        response = client.post(f"/questions/{question}/attempts", json={"answer": text},
                               headers=student)  # fmt: skip
        assert response.status_code == 201, response.text
        return int(response.json()["attempt_id"]), response.json()["grade"]

    credited, before = answer("kp-teach-1", CREDITED)
    waiting, waiting_before = answer("kp-teach-2", ALIKE)
    # The judge misses the discriminator in both (the point of this test).
    assert not _met(before) >= {"generative-models", "discriminative-models"}
    assert "discriminative-models" not in _met(waiting_before)

    done = client.post(f"/attempts/{credited}/override",
                       json={"criteria": ["generative-models", "discriminative-models"]},
                       headers=instructor)  # fmt: skip
    assert done.status_code == 200, done.text

    # The answer waiting in review was graded again at once, like the one credited, and says so.
    listed = client.get("/attempts", params={"question_id": GAN}, headers=instructor).json()
    regraded = next(a for a in listed if a["id"] == waiting)
    assert not regraded["overridden"]
    grade = regraded["grade"]
    assert _met(grade) == {"generative-models", "discriminative-models"}
    taught = next(c for c in grade["criteria"] if c["id"] == "discriminative-models")
    assert taught["decided_by"] == "course"
    # Decided by the key-point model (sure of it), naming the decided answer it is nearest.
    assert taught["note"].startswith("credited (")
    assert f"nearest answer you decided, attempt {credited}, you credited" in taught["note"]
    assert grade["needs_review"]  # it turned the judge's verdict: an instructor confirms
    assert told_one_way(Grade.model_validate(grade)) == []
    # The LMS is told of the new grade, as one still waiting for the instructor.
    event = _event_of(database, waiting)
    assert event["type"] == "attempt.regraded"
    assert event["attempt"]["points"] == regraded["points"]
    assert event["score"]["gradingProgress"] == "PendingManual"
    # And the student's record follows the grade they are shown.
    progress = client.get("/me/progress", headers=students["kp-teach-2"]).json()
    (record,) = [q for q in progress["questions"] if q["question_id"] == GAN]
    assert record["last_score"] == grade["score"] > waiting_before["score"]

    # A later answer like it is graded so when it is submitted.
    _, later = answer(
        "kp-teach-3",
        "A generator creates new data, and a discriminator labels data as real or generated.",
    )
    assert _met(later) == {"generative-models", "discriminative-models"}
    # An answer unlike every example is not decided by one; where the judge's credit for a key
    # point falls among the decided answers' may decide it (the judge gave the credited answer
    # 0 for the discriminator), through the line or the key-point model: a verdict so turned
    # is always sent to review, saying why.
    _, far = answer("kp-teach-4", "Supervised and unsupervised models.")
    assert not any((c["note"] or "").startswith("like the answer you") for c in far["criteria"])
    turned = [c for c in far["criteria"] if c["decided_by"] == "course"]
    assert all(c["note"].startswith(("credited: the judge gave it", "credited (")) for c in turned)
    assert far["needs_review"] or not turned
    # Where the judge finds the discriminator missing again, as it did on the answer credited,
    # and nothing decides it, its verdict is doubted: to review, saying why (to the instructor).
    unsure, seen = answer("kp-teach-6", "Convolutional and recurrent models.")
    assert "discriminative-models" not in _met(seen) and seen["needs_review"]
    listed = client.get("/attempts", params={"question_id": GAN}, headers=instructor).json()
    reasons = next(a for a in listed if a["id"] == unsure)["grade"]["reasons"]
    assert (
        'review: the judge found "discriminative-models" missing, as it did on an answer you '
        f"credited it on (attempt {credited})"
    ) in reasons
    # Another question (one nobody decided a key point of here) learnt nothing from them.
    _, other = answer("kp-teach-5", ALIKE, "what-is-echo-state-network")
    assert all(c["decided_by"] == "machine" for c in other["criteria"])


def test_an_instructor_marks_the_evidence_for_a_key_point(
    client: TestClient, database: str
) -> None:
    instructor = token_headers(database, "instructor")
    answer = "Long sequences are hard: the signal fades as it goes back, and training blows up."
    attempt_id, student = _answer(client, database, "kp-marks", answer)
    url = f"/attempts/{attempt_id}/override"
    elsewhere = client.post(
        url, json={"criteria": [VANISHING], "evidence": {VANISHING: "not in the answer"}},
        headers=instructor,
    )  # fmt: skip
    assert elsewhere.status_code == 422 and f"evidence.{VANISHING}" in elsewhere.text
    marked = {VANISHING: "the signal fades as it goes back", EXPLODING: "training blows up"}
    done = client.post(url, json={"criteria": [VANISHING, EXPLODING], "evidence": marked},
                       headers=instructor)  # fmt: skip
    assert done.status_code == 200, done.text
    (mine,) = client.get("/me/attempts", headers=student).json()
    shown = {c["id"]: c["evidence"] for c in mine["grade"]["criteria"]}
    assert shown == marked and mine["grade"]["points"] == 2
    assert {k: v[0] for k, v in _decisions(database, attempt_id).items()} == {
        VANISHING: 1.0, EXPLODING: 1.0,
    }  # fmt: skip


def test_the_students_record_and_schedule_follow_the_instructors_grade(
    client: TestClient, database: str
) -> None:
    instructor = token_headers(database, "instructor")
    wrong = "The network has too many parameters and overfits the sequence."
    attempt_id, student = _answer(client, database, "kp-record", wrong)

    def record() -> dict[str, Any]:
        progress = client.get("/me/progress", headers=student).json()
        return next(q for q in progress["questions"] if q["question_id"] == QUESTION)

    machine = record()
    assert machine["best_score"] < 0.5 and machine["last_score"] < 0.5
    # The instructor reads it otherwise: both key points met, 2 of 2.
    done = client.post(f"/attempts/{attempt_id}/override",
                       json={"criteria": [VANISHING, EXPLODING]}, headers=instructor)  # fmt: skip
    assert done.status_code == 200 and done.json()["points"] == 2
    graded = record()
    assert graded["best_score"] == graded["last_score"] == 1.0
    assert graded["attempts"] == 1
    # Rated as the full marks it now has, the question falls due later than as a wrong answer.
    assert graded["due"] > machine["due"]
    # Back to none met: the record and the schedule follow again, to the machine's own.
    client.post(f"/attempts/{attempt_id}/override", json={"criteria": []}, headers=instructor)
    again = record()
    assert again["best_score"] == again["last_score"] == 0.0
    assert again["due"] == machine["due"]
