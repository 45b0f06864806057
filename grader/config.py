"""Settings, read once from the environment (prefix ``GRADER_``) and cached."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from grader.scoring.disclosure import FeedbackShown


class Settings(BaseSettings):
    """Everything the service can be configured with; each field is ``GRADER_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="GRADER_", env_file=".env", extra="ignore")

    rubrics_dir: Path = Field(
        default=Path("rubrics"),
        description="Folder holding one <question-id>.yaml rubric per question.",
    )
    rubric_poll_s: float = Field(
        default=1.0,
        ge=0,
        description="How often a serving process looks for rubric files changed on disk (by "
        "another process's edit, or by hand); 0: never.",
    )
    max_rubric_bytes: int = Field(
        default=256 * 1024,
        gt=0,
        description="A rubric file larger than this is refused unread (guards against huge files).",
    )
    model_path: Path | None = Field(
        default=None,
        description="A sentence-transformers model folder; default: the bundled all-MiniLM-L6-v2.",
    )
    embedder: Literal["onnx-fp32", "onnx-q8", "onnx-int8", "torch"] = Field(
        default="onnx-fp32",
        description="What computes embeddings: the exported model in ONNX Runtime, fp32 (the "
        "default: no torch, identical to torch), q8 (8-bit weights in blocks: about a third "
        "faster, its cosines within 0.002 of fp32's on average, so an answer on a verdict line "
        "may fall the other side) or int8 (dynamic quantisation: faster still, cosines within "
        "0.01, its own calibration), or torch itself (sentence-transformers; training and the "
        "demos always use torch). Every backend embeds a text alike whatever else is embedded "
        "with it.",
    )
    embedder_threads: int = Field(
        default=0,
        ge=0,
        le=64,
        description="Model runs at once per serving process, each on one thread; 0: one per "
        "core (with several processes, cores / processes).",
    )
    onnx_dir: Path = Field(
        default=Path(".cache/grader/onnx"),
        description="Where `grader export-onnx` writes the ONNX model (make install runs it).",
    )
    judge_path: Path | None = Field(
        default=None,
        description="A key-point judge folder (`grader train-judge`); default: the one shipped "
        "with grader. Used when the calibration's credit model reads the judge.",
    )
    calibration_path: Path | None = Field(
        default=None,
        description="A calibration JSON; default: the one shipped with grader for the embedder.",
    )
    cache_dir: Path | None = Field(
        default=Path(".cache/grader"),
        description="Where rubric embeddings persist across restarts (unset: memory only).",
    )
    max_answer_chars: int = Field(
        default=5000, gt=0, description="Longer answers are refused with a clear error."
    )
    database_url: str = Field(
        default="sqlite:///grader.db",
        description="SQLAlchemy URL: the embedded SQLite file, or postgresql+psycopg://...",
    )
    webhooks_allow_private: bool = Field(
        default=False,
        description="Allow webhook URLs on private or loopback addresses (tests, local LMS).",
    )
    webhook_timeout_s: float = Field(default=10.0, gt=0, le=120, description="Per delivery try.")
    lms_secret: SecretStr | None = Field(
        default=None,
        description="whsec_... shared with the LMS; signs its POST /lms/submissions requests.",
    )
    max_concurrent_demos: int = Field(
        default=2, ge=1, le=64, description="Demo runs at once; more are refused with 503."
    )
    max_concurrent_rubric_jobs: int = Field(
        default=1,
        ge=1,
        le=16,
        description="Rubric edits (embedding) and regrades at once; more are refused with 503.",
    )
    max_body_bytes: int = Field(
        default=1024 * 1024,
        gt=0,
        description="Larger request bodies are refused with 413 before they are read.",
    )
    database_connect_timeout_s: float = Field(
        default=5.0, gt=0, le=120, description="Connecting, or waiting for a pooled connection."
    )
    database_lock_timeout_s: float = Field(
        default=5.0, gt=0, le=120, description="Waiting for a row or table lock (SQLite: busy)."
    )
    database_statement_timeout_s: float = Field(
        default=10.0,
        gt=0,
        le=600,
        description="One statement; a reply not received 2 s after this counts as a dead "
        "database. A stuck database is answered with 503 within connect + statement + 2 s.",
    )
    feedback_shown: FeedbackShown = Field(
        default="full",
        description="What a student is shown of a grade, unless a rubric says otherwise: "
        "full (criteria, evidence, feedback: practice), hints (which criteria were missed, as "
        "hints, never their text) or points (the points and verdict only: an exam).",
    )
    points_step: float = Field(
        default=0.5,
        ge=0,
        le=1000,
        description="Points are shown and sent to the LMS rounded to this step (0.5, 0.25; 0: "
        "as computed; otherwise at least 0.01), unless a rubric sets `points_step`; stored "
        "scores keep full precision.",
    )

    @field_validator("points_step")
    @classmethod
    def _a_step_or_none(cls, step: float) -> float:
        if 0 < step < 0.01:
            raise ValueError("must be 0 (no rounding) or at least 0.01")
        return step

    web_session_hours: float = Field(
        default=12, gt=0, le=24 * 90, description="A browser sign-in lasts this long."
    )
    sign_in_link_hours: float = Field(
        default=24,
        gt=0,
        le=24 * 90,
        description="A one-time sign-in link (`grader tokens create --link`) works this long.",
    )
    public_url: str = Field(
        default="",
        description="The address students open (e.g. https://grader.example.edu), for sign-in "
        "links; default: http://<host>:<port>.",
    )
    reference_after_attempts: int = Field(
        default=3,
        ge=1,
        le=1000,
        description="The worked reference answer is shown to a student after a correct answer "
        "or after this many attempts, unless a rubric says otherwise (`reference_shown`).",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)

    def base_url(self) -> str:
        """Where the service is reached from a browser."""
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings; tests call ``get_settings.cache_clear()`` after changing env."""
    return Settings()
