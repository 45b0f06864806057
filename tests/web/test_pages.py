"""The pages over both databases, with the real model: sign-in, CSRF, roles, answering with
feedback (htmx partial and plain form post), history, the review queue, the rubric editor."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from grader.config import Settings
from grader.main import create_app
from grader.store.models import Attempt, WebSession
from grader.store.session import make_engine, make_sessions
from tests.api.helpers import copy_rubrics, count_rows
from tests.web.helpers import csrf_of, new_token, sign_in

QUESTION = "what-are-the-challenges-of-long-term-dependencies"
HTMX = {"HX-Request": "true"}


@pytest.fixture(scope="module")
def rubrics_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_rubrics(tmp_path_factory.mktemp("rubrics"))


@pytest.fixture(scope="module")
def app_settings(database_url: str, rubrics_dir: Path) -> Settings:
    return Settings(
        rubrics_dir=rubrics_dir, cache_dir=None, database_url=database_url,
        webhooks_allow_private=True,  # the deliveries page's endpoint is on this machine
    )  # fmt: skip


@pytest.fixture(scope="module")
def client(app_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(app_settings)) as test_client:
        yield test_client


def _answer(client: TestClient, answer: str, question: str = QUESTION, htmx: bool = True) -> str:
    page = client.get(f"/app/questions/{question}")
    response = client.post(
        f"/app/questions/{question}/answer",
        data={"answer": answer, "csrf": csrf_of(page.text)},
        headers=HTMX if htmx else {},
    )
    assert response.status_code == 200, response.text
    return response.text


def _attempt_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'href="/app/attempts/(\d+)"', html)]


def test_a_signed_out_visitor_is_sent_to_sign_in(client: TestClient) -> None:
    client.cookies.clear()
    response = client.get("/app/questions?x=1", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/app/sign-in?next=/app/questions%3Fx%3D1"
    partial = client.get(f"/app/questions/{QUESTION}", headers=HTMX, follow_redirects=False)
    assert partial.headers["hx-redirect"].startswith("/app/sign-in?next=")
    assert client.post("/app/sign-out", follow_redirects=False).status_code == 303


def test_signing_in_sets_a_strict_httponly_cookie_that_is_not_the_token(
    client: TestClient, database_url: str
) -> None:
    token = new_token(database_url, "student", "pia")
    client.cookies.clear()
    form = client.get("/app/sign-in")
    response = client.post(
        "/app/sign-in",
        data={"token": token, "csrf": csrf_of(form.text), "next": "//evil.example/app"},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/app"
    cookie = next(c for c in response.headers.get_list("set-cookie") if "grader_session" in c)
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/app" in cookie
    secret = client.cookies["grader_session"]
    assert token not in cookie and secret != token
    engine = make_engine(database_url)
    with make_sessions(engine)() as session:
        hashes = set(session.scalars(select(WebSession.secret_hash)))
    engine.dispose()
    assert secret not in hashes and token not in hashes  # only hashes are stored
    assert client.get("/app", follow_redirects=False).headers["location"] == "/app/questions"


def test_unknown_lms_and_blank_tokens_and_a_missing_csrf_token_do_not_sign_in(
    client: TestClient, database_url: str
) -> None:
    client.cookies.clear()
    form = client.get("/app/sign-in")
    csrf = csrf_of(form.text)
    for token in ("not-a-token", new_token(database_url, "lms"), ""):
        refused = client.post("/app/sign-in", data={"token": token, "csrf": csrf})
        assert refused.status_code == 401 and 'role="alert"' in refused.text
    no_csrf = client.post("/app/sign-in", data={"token": new_token(database_url, "student", "pat")})
    assert no_csrf.status_code == 403
    assert "grader_session" not in client.cookies


def test_a_form_posted_without_its_csrf_token_is_refused_and_stores_nothing(
    client: TestClient, database_url: str
) -> None:
    sign_in(client, new_token(database_url, "student", "quin"))
    before = count_rows(database_url, Attempt)
    for csrf in ("", "0" * 40):
        response = client.post(
            f"/app/questions/{QUESTION}/answer", data={"answer": "Gradients vanish.", "csrf": csrf}
        )
        assert response.status_code == 403 and "security token" in response.text
    assert count_rows(database_url, Attempt) == before


def test_a_student_gets_403_on_every_instructor_page_and_the_reverse(
    client: TestClient, database_url: str
) -> None:
    sign_in(client, new_token(database_url, "student", "rex"))
    csrf = csrf_of(client.get("/app/questions").text)
    for url in ("/app/review", f"/app/review/{QUESTION}", f"/app/stats/{QUESTION}",
                f"/app/rubrics/{QUESTION}", "/app/deliveries"):  # fmt: skip
        assert client.get(url).status_code == 403, url
    assert (
        client.post(f"/app/rubrics/{QUESTION}", data={"csrf": csrf, "text": "x"}).status_code == 403
    )
    assert client.post(f"/app/review/{QUESTION}/1", data={"csrf": csrf}).status_code == 403
    assert client.post(f"/app/rubrics/{QUESTION}/regrade", data={"csrf": csrf}).status_code == 403
    sign_in(client, new_token(database_url, "instructor"))
    assert client.get("/app/questions").status_code == 403
    assert client.get("/app/history").status_code == 403


def test_answering_shows_points_criteria_evidence_hint_and_demo_with_or_without_htmx(
    client: TestClient, database_url: str
) -> None:
    sign_in(client, new_token(database_url, "student", "sol"))
    before = count_rows(database_url, Attempt)
    partial = _answer(client, "The gradients vanish over long sequences.")
    assert "<html" not in partial  # a partial, swapped in without a reload
    assert "of 2 points" in partial
    assert re.search(
        r"<mark[^>]*>The gradients vanish over long sequences<sup>1</sup></mark>", partial
    )
    # Exploding gradients is not met: "missed" if it earned nothing, else "partly met" with its
    # points (never "missed" while earning points).
    assert "✓ met" in partial and "Exploding gradients" in partial
    assert re.search(
        r"✗ missed</span>\s*Exploding gradients <span class=\"meta\">\(0 of 1", partial
    ) or (
        re.search(
            r"◐ partly met</span>\s*Exploding gradients <span class=\"meta\">\(0\.\d+ of 1", partial
        )
    ), partial
    assert "Hint:" in partial and 'hx-get="/app/demos/long-term-dependencies"' in partial
    assert "/demos/long-term-dependencies/plot.png)" not in partial  # API paths left out
    page = _answer(client, "Vanishing and exploding gradients.", htmx=False)
    assert "<html" in page and "correct" in page and "Your attempts on this question" in page
    assert count_rows(database_url, Attempt) == before + 2
    panel = client.get("/app/demos/long-term-dependencies", headers=HTMX)
    assert (
        panel.status_code == 200
        and 'src="/app/demos/long-term-dependencies/plot.png"' in panel.text
    )
    plot = client.get("/app/demos/long-term-dependencies/plot.png")
    assert plot.headers["content-type"] == "image/png" and plot.content[:4] == b"\x89PNG"


def test_a_blank_answer_is_an_error_in_the_page_and_nothing_is_stored(
    client: TestClient, database_url: str
) -> None:
    sign_in(client, new_token(database_url, "student", "tam"))
    csrf = csrf_of(client.get(f"/app/questions/{QUESTION}").text)
    before = count_rows(database_url, Attempt)
    blank = client.post(f"/app/questions/{QUESTION}/answer", data={"answer": "  ", "csrf": csrf})
    assert blank.status_code == 422 and "Write an answer first." in blank.text
    too_long = client.post(
        f"/app/questions/{QUESTION}/answer", data={"answer": "word " * 2000, "csrf": csrf},
        headers=HTMX,
    )  # fmt: skip
    assert too_long.status_code == 422 and "limit is 5000" in too_long.text
    assert count_rows(database_url, Attempt) == before


def test_the_reference_answer_appears_only_after_a_correct_answer(
    client: TestClient, database_url: str
) -> None:
    sign_in(client, new_token(database_url, "student", "uma"))
    reference = "Worked reference answer"
    assert reference not in client.get(f"/app/questions/{QUESTION}").text
    assert reference not in _answer(client, "I do not know.")
    assert reference in _answer(client, "Vanishing and exploding gradients.")
    assert reference in client.get(f"/app/questions/{QUESTION}").text


def test_the_reference_answer_appears_once_an_instructor_grades_an_answer_right(
    client: TestClient, database_url: str
) -> None:
    # Another question than the module's others: an instructor's key points teach the class.
    question = "what-are-the-learning-models-used-for-creating-adversarial"
    sign_in(client, new_token(database_url, "student", "ulla"))
    reference = "Worked reference answer"
    own_words = "One network makes new samples while another one tells real from made up."
    assert reference not in _answer(client, own_words, question)
    (attempt,) = _attempt_ids(client.get("/app/history").text)
    instructor = {"Authorization": f"Bearer {new_token(database_url, 'instructor')}"}
    graded = client.post(
        f"/attempts/{attempt}/override", headers=instructor,
        json={"criteria": ["generative-models", "discriminative-models"], "points": 1.9,
              "reason": "Both, loosely worded."},
    )  # fmt: skip
    # Right, as the machine would call 1.9 of 2 right: the reference is shown as after any
    # right answer, full marks or not.
    assert graded.status_code == 200 and graded.json()["verdict"] == "correct"
    assert reference in client.get(f"/app/questions/{question}").text


def test_a_student_sees_only_their_own_attempts(client: TestClient, database_url: str) -> None:
    sign_in(client, new_token(database_url, "student", "val"))
    _answer(client, "Vanishing gradients: the secret of val.")
    (own,) = _attempt_ids(client.get("/app/history").text)
    assert client.get(f"/app/attempts/{own}").status_code == 200
    sign_in(client, new_token(database_url, "student", "wes"))
    assert client.get(f"/app/attempts/{own}").status_code == 404
    history = client.get("/app/history").text
    assert "secret of val" not in history and _attempt_ids(history) == []


def test_a_one_time_link_signs_in_once(client: TestClient, database_url: str) -> None:
    from typer.testing import CliRunner

    from grader.cli import app as cli

    result = CliRunner().invoke(
        cli, ["tokens", "create", "--role", "student", "--student", "xia", "--link"],
        env={"GRADER_DATABASE_URL": database_url, "GRADER_PUBLIC_URL": "https://grader.test"},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    token, link = result.output.split()
    assert link.startswith("https://grader.test/app/sign-in/link/")
    path = link.removeprefix("https://grader.test")
    for attempt in range(2):
        client.cookies.clear()
        form = client.get(path)
        used = client.post(
            "/app/sign-in/link",
            data={"code": path.rsplit("/", 1)[1], "csrf": csrf_of(form.text)},
            follow_redirects=False,
        )
        if attempt == 0:
            assert used.status_code == 303 and "grader_session" in client.cookies
            assert client.get("/app/questions").status_code == 200
        else:
            assert used.status_code == 401 and "used already" in used.text
    sign_in(client, token)  # the token itself still works
    from grader.config import get_settings

    for extra, base in (
        ([], "http://127.0.0.1:8000"),
        (["--public-url", "http://h:9/"], "http://h:9"),
    ):
        get_settings.cache_clear()  # the command reads the environment given here
        guessed = CliRunner().invoke(
            cli, ["tokens", "create", "--role", "instructor", "--link", *extra],
            env={"GRADER_DATABASE_URL": database_url, "GRADER_PUBLIC_URL": ""},
        )  # fmt: skip
        assert guessed.exit_code == 0, guessed.output
        assert f"{base}/app/sign-in/link/" in guessed.stdout
        # Without an address given, the command says which it assumed and how to set it.
        assert ("set GRADER_PUBLIC_URL" in guessed.stderr) == (not extra)
    get_settings.cache_clear()


def test_signing_out_ends_the_session_on_the_server(client: TestClient, database_url: str) -> None:
    sign_in(client, new_token(database_url, "student", "yan"))
    secret = client.cookies["grader_session"]
    csrf = csrf_of(client.get("/app/questions").text)
    assert (
        client.post("/app/sign-out", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    )
    client.cookies.set("grader_session", secret, path="/app")  # a copy of the old cookie
    assert client.get("/app/questions", follow_redirects=False).status_code == 303


def test_the_review_queue_accepts_overrides_and_the_student_sees_the_instructors_points(
    client: TestClient, database_url: str
) -> None:
    student = new_token(database_url, "student", "zed")
    sign_in(client, student)
    _answer(client, "Gradients vanish.")
    (attempt_id,) = _attempt_ids(client.get("/app/history").text)
    sign_in(client, new_token(database_url, "instructor"))
    index = client.get("/app/review").text
    assert f'href="/app/review/{QUESTION}"' in index
    queue = client.get(f"/app/review/{QUESTION}?at={attempt_id}")
    assert f"(attempt {attempt_id})" in queue.text and 'data-key="1"' in queue.text
    assert '<span id="student-name">zed</span>' in queue.text  # a name, not "student 7"
    # Only what met a key point is marked as evidence: the missed one's closest try is not.
    assert re.search(r"<mark[^>]*>Gradients vanish<sup>1</sup></mark>", queue.text), queue.text
    csrf = csrf_of(queue.text)
    bad = client.post(f"/app/review/{QUESTION}/{attempt_id}",
                      data={"csrf": csrf, "action": "override", "points": "9"})  # fmt: skip
    assert bad.status_code == 422 and "at most 2" in bad.text
    for not_a_number in ("nan", "inf", "-inf"):
        refused = client.post(f"/app/review/{QUESTION}/{attempt_id}",
                              data={"csrf": csrf, "action": "override", "points": not_a_number})  # fmt: skip
        assert refused.status_code == 422 and "number" in refused.text, not_a_number
    # Both criteria ticked, no points typed: the points follow the key points, stored as such.
    saved = client.post(
        f"/app/review/{QUESTION}/{attempt_id}",
        data={"csrf": csrf, "action": "override", "criteria": ["vanishing-gradients",
              "exploding-gradients"], "points": ""},
        follow_redirects=False,
    )  # fmt: skip
    assert saved.status_code == 303 and saved.headers["location"].startswith(
        f"/app/review/{QUESTION}"
    )
    assert f"?at={attempt_id}" not in client.get(f"/app/review/{QUESTION}").text  # left the queue
    sign_in(client, student)
    page = client.get(f"/app/attempts/{attempt_id}").text
    assert "2 of 2 points (your instructor's grade)" in page
    assert page.count("your instructor's decision") == 2  # each key point, decided and met
    assert "✗ missed" not in page and "partly met" not in page
    assert "instructor's grade" in client.get("/app/history").text


def test_the_rubric_editor_shows_errors_at_their_line_then_saves_and_regrades(
    client: TestClient, database_url: str, rubrics_dir: Path
) -> None:
    sign_in(client, new_token(database_url, "instructor"))
    page = client.get(f"/app/rubrics/{QUESTION}")
    csrf = csrf_of(page.text)
    original = (rubrics_dir / f"{QUESTION}.yaml").read_text(encoding="utf-8")
    assert "Vanishing gradients" in page.text
    broken = original.replace("    points: 1\n", "    points: -1\n", 1)
    line = broken.splitlines().index("    points: -1") + 1
    refused = client.post(f"/app/rubrics/{QUESTION}", data={"csrf": csrf, "text": broken})
    assert refused.status_code == 422
    assert f'<a href="#line-{line}">line {line}</a>' in refused.text
    assert f'id="line-{line}" class="bad"' in refused.text
    assert (rubrics_dir / f"{QUESTION}.yaml").read_text(encoding="utf-8") == original
    fixed = original.replace("  - A full answer", "  - Name both problems.\n  - A full answer")
    saved = client.post(f"/app/rubrics/{QUESTION}", data={"csrf": csrf, "text": fixed})
    assert saved.status_code == 200 and "Saved and in force" in saved.text
    assert "reference answer earns 2 of 2, correct." in saved.text
    # A key point the reference does not make is named where it is saved.
    unlike = fixed.replace("reference_answer: Vanishing and exploding gradients",
                           "reference_answer: The network is too shallow.")  # fmt: skip
    warned = html.unescape(
        client.post(f"/app/rubrics/{QUESTION}", data={"csrf": csrf, "text": unlike}).text
    )
    assert "its own reference answer earns only 0 of 2" in warned, warned
    assert "not met: vanishing-gradients (0 of 1 point)" in warned
    saved = client.post(f"/app/rubrics/{QUESTION}", data={"csrf": csrf, "text": fixed})
    assert "Name both problems." in (rubrics_dir / f"{QUESTION}.yaml").read_text(encoding="utf-8")
    regraded = client.post(f"/app/rubrics/{QUESTION}/regrade", data={"csrf": csrf})
    assert regraded.status_code == 200
    count = int(re.search(r"Regraded (\d+) attempt", regraded.text).group(1))  # type: ignore[union-attr]
    engine = make_engine(database_url)
    with make_sessions(engine)() as session:
        stored = len(
            list(session.scalars(select(Attempt.id).where(Attempt.question_id == QUESTION)))
        )
    engine.dispose()
    assert count == stored > 0


def test_stats_and_deliveries_pages_render_what_is_stored(
    client: TestClient, database_url: str
) -> None:
    sign_in(client, new_token(database_url, "instructor"))
    stats = client.get(f"/app/stats/{QUESTION}")
    assert stats.status_code == 200 and "<svg" in stats.text and 'class="bar"' in stats.text
    attempts = int(re.search(r"(\d+) attempts?", stats.text).group(1))  # type: ignore[union-attr]
    engine = make_engine(database_url)
    with make_sessions(engine)() as session:
        stored = len(
            list(session.scalars(select(Attempt.id).where(Attempt.question_id == QUESTION)))
        )
    engine.dispose()
    assert attempts == stored
    assert "Most-missed key points" in stats.text
    deliveries = client.get("/app/deliveries?status=failed")
    assert deliveries.status_code == 200 and "Webhook deliveries" in deliveries.text
    # A delivery names its endpoint by URL (it said "1").
    instructor = {"Authorization": f"Bearer {new_token(database_url, 'instructor')}"}
    url = "http://127.0.0.1:9/deliveries-page-hook"
    made = client.post("/webhooks/endpoints", json={"url": url}, headers=instructor)
    assert made.status_code == 201, made.text
    sign_in(client, new_token(database_url, "student", "delivery-page-student"))
    _answer(client, "Gradients vanish.")
    sign_in(client, new_token(database_url, "instructor"))
    assert url in client.get("/app/deliveries").text
    gone = client.delete(f"/webhooks/endpoints/{made.json()['id']}", headers=instructor)
    assert gone.status_code in (200, 204), gone.text
    assert client.get("/app/deliveries?status=nonsense").status_code == 404


def test_the_deliveries_page_links_the_older_ones(
    client: TestClient, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page showed the newest 100 deliveries and nothing of the rest."""
    from grader.web import instructor as pages

    monkeypatch.setattr(pages, "DELIVERIES_PER_PAGE", 1)
    instructor = {"Authorization": f"Bearer {new_token(database_url, 'instructor')}"}
    made = client.post(
        "/webhooks/endpoints", json={"url": "http://127.0.0.1:9/older"}, headers=instructor
    )
    for n in range(2):
        sign_in(client, new_token(database_url, "student", f"older-{n}"))
        _answer(client, f"Gradients vanish ({n}).")
    sign_in(client, new_token(database_url, "instructor"))
    newest = client.get("/app/deliveries?status=pending").text
    older = re.search(r'href="(/app/deliveries\?status=pending&amp;before=(\d+))"', newest)
    assert older is not None, newest
    next_page = client.get(html.unescape(older.group(1))).text
    shown = re.findall(r"<tr>\s*<td>(\d+)</td>", next_page)
    assert shown and all(int(i) < int(older.group(2)) for i in shown)
    assert re.findall(r"<tr>\s*<td>(\d+)</td>", newest) == [older.group(2)]
    client.delete(f"/webhooks/endpoints/{made.json()['id']}", headers=instructor)


class _Controls(HTMLParser):
    """Form controls a person fills in, and the labels on the page."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict[str, str | None]] = []
        self.labelled: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "label" and found.get("for"):
            self.labelled.add(str(found["for"]))
        if tag in ("input", "textarea", "select") and found.get("type") != "hidden":
            self.controls.append(found)


def test_every_control_a_person_fills_in_has_a_label(client: TestClient, database_url: str) -> None:
    pages = {
        "student": ["/app/questions", f"/app/questions/{QUESTION}", "/app/history"],
        "instructor": ["/app/review", f"/app/review/{QUESTION}", f"/app/rubrics/{QUESTION}",
                       "/app/deliveries"],
    }  # fmt: skip
    for role, urls in pages.items():
        sign_in(client, new_token(database_url, role, "lab" if role == "student" else None))
        if role == "student":
            _answer(client, "Gradients vanish.")
        for url in urls:
            parser = _Controls()
            parser.feed(client.get(url).text)
            unlabelled = [c for c in parser.controls
                          if c.get("id") not in parser.labelled and not c.get("aria-label")]  # fmt: skip
            assert unlabelled == [], url
    client.cookies.clear()
    parser = _Controls()
    parser.feed(client.get("/app/sign-in").text)
    assert parser.controls and all(c.get("id") in parser.labelled for c in parser.controls)


def test_an_exam_rubric_shows_students_no_answer_key_on_the_pages(
    database_url: str, tmp_path: Path
) -> None:
    copy_rubrics(tmp_path)
    exam = tmp_path / f"{QUESTION}.yaml"
    exam.write_text(exam.read_text(encoding="utf-8") + "feedback_shown: hints\n", encoding="utf-8")
    settings = Settings(rubrics_dir=tmp_path, cache_dir=None, database_url=database_url)
    with TestClient(create_app(settings)) as hints_client:
        sign_in(hints_client, new_token(database_url, "student", "exam-taker"))
        shown = _answer(hints_client, "The gradient shrinks towards zero over many steps.")
        for _ in range(3):  # enough attempts for the reference answer, were it allowed
            shown = _answer(hints_client, "The gradient shrinks towards zero over many steps.")
    assert "key point 1" in shown and "of 2 points" in shown
    for key in ("Vanishing gradients", "Exploding gradients"):
        assert key not in shown  # the key points' text is the answer key
    assert "Worked reference answer" not in shown  # the key, even after 4 attempts


def test_the_front_door_leads_to_the_pages_and_the_api_docs_need_no_internet(
    client: TestClient,
) -> None:
    front = client.get("/", follow_redirects=False)
    assert front.status_code == 307 and front.headers["location"] == "/app"
    docs = client.get("/docs")
    assert docs.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', docs.text)
    assert assets and all(a.startswith("/") and not a.startswith("//") for a in assets), assets
    for asset in assets:
        if asset.endswith((".js", ".css")):
            assert client.get(asset).status_code == 200, asset


def test_the_deliveries_page_names_each_events_type(client: TestClient, database_url: str) -> None:
    instructor = new_token(database_url, "instructor")
    headers = {"Authorization": f"Bearer {instructor}"}
    endpoint = client.post("/webhooks/endpoints", json={"url": "http://127.0.0.1:9/hook"},
                           headers=headers)  # fmt: skip
    assert endpoint.status_code == 201, endpoint.text
    sign_in(client, new_token(database_url, "student", "dee"))
    _answer(client, "Gradients vanish.")
    sign_in(client, instructor)
    page = client.get("/app/deliveries").text
    assert "attempt.graded" in page


def test_an_instructor_names_a_student_and_the_queue_shows_it(
    client: TestClient, database_url: str
) -> None:
    sign_in(client, new_token(database_url, "student", "lms-9"))
    _answer(client, "Gradients explode.")
    (attempt_id, *_) = _attempt_ids(client.get("/app/history").text)
    instructor = {"Authorization": f"Bearer {new_token(database_url, 'instructor')}"}
    students = client.get("/students", headers=instructor).json()
    (student,) = [s for s in students if s["name"] == "lms-9"]
    assert student["display_name"] is None
    renamed = client.patch(f"/students/{student['id']}", json={"display_name": " Ada\u200b Lovelace "},
                           headers=instructor)  # fmt: skip
    assert renamed.status_code == 200 and renamed.json()["display_name"] == "Ada Lovelace"
    assert client.patch(f"/students/{student['id']}", json={"display_name": ""},
                        headers=instructor).status_code == 422  # fmt: skip
    assert client.patch("/students/999999", json={"display_name": "X"},
                        headers=instructor).status_code == 404  # fmt: skip
    sign_in(client, instructor["Authorization"].split(" ", 1)[1])
    queue = client.get(f"/app/review/{QUESTION}?at={attempt_id}").text
    assert '<span id="student-name">Ada Lovelace</span>' in queue


def test_every_response_tells_browsers_not_to_sniff_or_leak_its_address(
    client: TestClient,
) -> None:
    for path in ("/app/sign-in", "/app/static/app.css", "/health", "/questions", "/docs"):
        response = client.get(path)
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
        assert response.headers["Referrer-Policy"] == "same-origin", path


def test_a_form_posted_from_another_site_is_refused(client: TestClient, database_url: str) -> None:
    token = new_token(database_url, "student", "oli")
    client.cookies.clear()
    csrf = csrf_of(client.get("/app/sign-in").text)
    form = {"token": token, "csrf": csrf}
    evil = client.post("/app/sign-in", data=form, headers={"Origin": "https://evil.example"},
                       follow_redirects=False)  # fmt: skip
    assert evil.status_code == 403 and "grader_session" not in client.cookies
    ours = client.post("/app/sign-in", data=form, headers={"Origin": "http://testserver"},
                       follow_redirects=False)  # fmt: skip
    assert ours.status_code == 303  # our own origin (and no Origin at all, as before) passes


@pytest.mark.parametrize(
    "next_page", ["/app/../../x", "/app/%2e%2e/%2e%2e/x", "/app\\evil", "/appx", "https://evil"]
)
def test_after_signing_in_the_next_page_stays_inside_the_pages(
    client: TestClient, database_url: str, next_page: str
) -> None:
    client.cookies.clear()
    form = client.get("/app/sign-in")
    response = client.post(
        "/app/sign-in",
        data={"token": new_token(database_url, "student", f"n-{abs(hash(next_page))}"),
              "csrf": csrf_of(form.text), "next": next_page},
        follow_redirects=False,
    )  # fmt: skip
    assert response.status_code == 303 and response.headers["location"] == "/app"


def test_an_instructor_downloads_the_gradebook_from_the_pages(
    client: TestClient, database_url: str
) -> None:
    sign_in(client, new_token(database_url, "student", "gail"))
    _answer(client, "Gradients vanish.")
    assert client.get("/app/gradebook.csv").status_code == 403  # not for students
    sign_in(client, new_token(database_url, "instructor"))
    assert 'href="/app/gradebook.csv"' in client.get("/app/review").text
    download = client.get("/app/gradebook.csv")
    assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
    assert "\r\ngail," in download.text  # a row for the student, by name


def test_a_page_address_that_names_nothing_is_a_page(client: TestClient) -> None:
    missing = client.get("/app/no-such-page")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/html")
    assert "There is no such page." in missing.text and 'href="/app"' in missing.text
    api = client.get("/no-such-route")  # the API's answers stay RFC 9457 problems
    assert api.status_code == 404 and api.headers["content-type"] == "application/problem+json"


def test_an_answer_in_another_language_is_graded_provisionally_and_said_so(
    client: TestClient, database_url: str
) -> None:
    sign_in(client, new_token(database_url, "student", "lang-ana"))
    page = _answer(
        client, "Los gradientes que desaparecen y los gradientes que explotan.", htmx=True
    )
    assert "The grader cannot read this answer (it reads as Spanish)" in page
    assert "provisional until an instructor grades it" in page
    assert page.count("The grader cannot read this answer") == 1, page  # said once


def test_an_answer_in_another_script_is_said_once_why_it_was_not_read(
    client: TestClient, database_url: str
) -> None:
    """The page read the zero's whole reason into its own sentence: "The grader cannot read
    this answer (the grader cannot read this answer (it is written in another script); ...)"."""
    sign_in(client, new_token(database_url, "student", "script-ana"))
    page = html.unescape(_answer(client, "梯度消失和梯度爆炸", htmx=True))
    assert "The grader cannot read this answer (it is written in another script)" in page
    assert "this answer (the grader cannot read" not in page
    assert page.count("The grader cannot read this answer") == 1, page
