"""The screenshots in docs/ui.md: a live server (bundled rubrics, a fresh SQLite file) with a
few students' answers, the pages opened in Debian's Chromium and shot.

    .venv/bin/python bench/screenshots.py --out docs/ui     # or: make screenshots
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

import httpx
from playwright.sync_api import Page, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.live import live_server
from grader.store.practice import create_student, create_token
from grader.store.session import make_engine, make_sessions, upgrade

QUESTION = "what-are-the-challenges-of-long-term-dependencies"
CLASS_ANSWERS = [
    "Vanishing and exploding gradients.",
    "The gradient vanishes over many time steps.",
    "Gradients can explode when weights are large.",
    "It is hard to train.",
    "Vanishing gradients, and exploding ones too.",
    "Long sequences need a lot of memory.",
]
NAMES = ["Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra", "Barbara Liskov",
         "Donald Knuth", "Frances Allen"]  # fmt: skip
# Questions whose reference answers hold a table and math: shown typeset, before answering.
TYPESET = ["write-any-two-differences-between-rnn-and-cnn",
           "what-is-vanishing-and-exploding-gradient-descent"]  # fmt: skip
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip


def _tokens(url: str, students: int) -> tuple[list[str], str]:
    engine = make_engine(url)
    with make_sessions(engine).begin() as session:
        tokens = [
            create_token(session, role="student",
                         student_id=create_student(session, name=NAMES[n % len(NAMES)]).id)
            for n in range(students)
        ]  # fmt: skip
        instructor = create_token(session, role="instructor")
    engine.dispose()
    return tokens, instructor


def _sign_in(page: Page, base: str, token: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/app/sign-in")
    page.get_by_label("Your token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/app/**")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("docs/ui"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp())
    try:
        url = f"sqlite:///{folder / 'ui.db'}"
        upgrade(url)
        students, instructor = _tokens(url, len(CLASS_ANSWERS) + 1)
        rubrics = folder / "rubrics"
        shutil.copytree(Path(__file__).resolve().parent.parent / "rubrics", rubrics)
        for question in TYPESET:  # the reference answer shown before answering, for the shot
            path = rubrics / f"{question}.yaml"
            path.write_text(path.read_text(encoding="utf-8") + "reference_shown: always\n",
                            encoding="utf-8")  # fmt: skip
        env = {"GRADER_DATABASE_URL": url, "GRADER_CACHE_DIR": str(folder / "cache"),
               "GRADER_RUBRICS_DIR": str(rubrics)}  # fmt: skip
        with live_server(env) as base:
            for token, answer in zip(students[1:], CLASS_ANSWERS, strict=True):
                httpx.post(f"{base}/questions/{QUESTION}/attempts", json={"answer": answer},
                           headers={"Authorization": f"Bearer {token}"}, timeout=60)  # fmt: skip
            _shoot(base, students[0], instructor, args.out)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _shoot(base: str, student: str, instructor: str, out: Path) -> None:
    chromium = os.environ.get("GRADER_TEST_CHROMIUM", "/usr/bin/chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1000, "height": 900})
        _sign_in(page, base, student)
        page.goto(f"{base}/app/questions/{QUESTION}")
        page.get_by_label("Your answer").fill(
            "The gradients vanish when they are multiplied over many time steps."
        )
        page.get_by_role("button", name="Submit answer").click()
        page.locator("#result-heading").wait_for()
        page.get_by_role("link", name="See it happen: run the demo").click()
        page.wait_for_function(
            "() => { const i = document.querySelector('#demo-panel img');"
            " return i && i.complete && i.naturalWidth > 0; }",
            timeout=120_000,
        )
        page.screenshot(path=out / "student-result.png", full_page=True)
        for question, name in zip(TYPESET, ("typeset-table", "typeset-math"), strict=True):
            page.goto(f"{base}/app/questions/{question}")
            page.locator("details.reference summary").click()
            page.screenshot(path=out / f"{name}.png", full_page=True)
        phone = browser.new_page(viewport={"width": 390, "height": 844})
        _sign_in(phone, base, student)
        phone.goto(f"{base}/app/questions")
        phone.screenshot(path=out / "student-questions-phone.png")
        _sign_in(page, base, instructor)
        page.goto(f"{base}/app/review/{QUESTION}")
        page.screenshot(path=out / "review-queue.png", full_page=True)
        page.goto(f"{base}/app/stats/{QUESTION}")
        page.locator("#distribution-table summary").click()
        page.screenshot(path=out / "stats.png", full_page=True)
        browser.close()
    for path in sorted(out.glob("*.png")):
        print(path)


if __name__ == "__main__":
    main()
