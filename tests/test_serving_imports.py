"""The serving path (the API and `grader grade`) runs without torch by default."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

HEAVY = ("torch", "sentence_transformers", "transformers")

PROBE = f"""
import sys
from fastapi.testclient import TestClient
from typer.testing import CliRunner
from grader.cli import app
from grader.config import Settings
from grader.main import create_app

settings = Settings(database_url="sqlite:///" + sys.argv[1], cache_dir=None, embedder=sys.argv[2])
with TestClient(create_app(settings)) as client:
    assert client.get("/health").status_code == 200
result = CliRunner().invoke(app, ["grade", "what-is-echo-state-network", "A reservoir network."])
assert result.exit_code == 0, result.output
print(",".join(m for m in {HEAVY!r} if m in sys.modules))
"""


def _heavy_modules(tmp_path: Path, embedder: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, f"{tmp_path}/probe.db", embedder],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300, check=True,
        env={**os.environ, "GRADER_EMBEDDER": embedder},
    )  # fmt: skip
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


@pytest.mark.parametrize("embedder", ["onnx-fp32", "onnx-q8", "onnx-int8"])
def test_serving_and_grading_import_no_torch_with_onnx(tmp_path: Path, embedder: str) -> None:
    assert _heavy_modules(tmp_path, embedder) == ""


def test_the_torch_backend_does_use_torch(tmp_path: Path) -> None:
    assert "torch" in _heavy_modules(tmp_path, "torch").split(",")
