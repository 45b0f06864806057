"""No Docker engine runs here: check the compose file against what the app really reads."""

from __future__ import annotations

from ruamel.yaml import YAML

from grader.config import Settings
from tests.conftest import REPO_ROOT


def _compose() -> dict[str, object]:
    loaded: dict[str, object] = YAML(typ="safe").load(
        (REPO_ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    )
    return loaded


def test_every_grader_variable_in_compose_is_a_real_setting() -> None:
    services = _compose()["services"]
    assert isinstance(services, dict)
    known = {f"GRADER_{name.upper()}" for name in Settings.model_fields}
    for service in services.values():
        for variable in service.get("environment", {}):
            if variable.startswith("GRADER_"):
                assert variable in known, f"{variable} is not a setting"


def test_the_api_talks_to_the_compose_database() -> None:
    services = _compose()["services"]
    assert isinstance(services, dict)
    db, api = services["db"]["environment"], services["api"]["environment"]
    url = api["GRADER_DATABASE_URL"]
    assert url.startswith("postgresql+psycopg://")
    assert f"{db['POSTGRES_USER']}:{db['POSTGRES_PASSWORD']}@db:5432/{db['POSTGRES_DB']}" in url
    settings = Settings(**{k.removeprefix("GRADER_").lower(): v for k, v in api.items()})
    assert settings.port == 8000 and settings.host == "0.0.0.0"
    assert api["GRADER_PORT"] in services["api"]["ports"][0]
    assert services["api"]["depends_on"]["db"]["condition"] == "service_healthy"


def test_the_image_migrates_before_serving_and_pins_torch() -> None:
    dockerfile = (REPO_ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "torch==2.13.0" in dockerfile
    assert "grader db upgrade && grader serve" in dockerfile
    assert "HEALTHCHECK" in dockerfile


def test_the_worker_service_runs_a_real_command() -> None:
    from typer.testing import CliRunner

    from grader.cli import app

    services = _compose()["services"]
    assert isinstance(services, dict)
    command = services["worker"]["command"]
    assert command[0] == "grader"
    result = CliRunner().invoke(app, [*command[1:], "--help"])
    assert result.exit_code == 0 and "Deliver pending events" in result.output
