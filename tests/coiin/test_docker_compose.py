"""docker-compose.yml cannot run here (no Docker engine); parse it and check its shape instead."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
APP_SERVICES = ["migrate", "web", "worker", "beat"]


def test_it_defines_the_production_services():
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(SERVICES)


def test_the_app_services_share_one_definition_of_image_and_environment():
    images = {SERVICES[name]["image"] for name in APP_SERVICES}
    builds = {SERVICES[name]["build"] for name in APP_SERVICES}
    assert images == {"coiin:latest"}
    assert builds == {"."}
    for name in APP_SERVICES:
        env = SERVICES[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://coiin:") and env["DATABASE_URL"].endswith(
            "@postgres:5432/coiin"
        )
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        assert env["DEBUG"] == "false"


def test_each_service_runs_the_right_command():
    assert SERVICES["web"]["command"] == [
        "gunicorn",
        "-c",
        "coiin/gunicorn.conf.py",
        "coiin.wsgi:application",
    ]
    assert SERVICES["worker"]["command"][:4] == ["celery", "-A", "coiin", "worker"]
    assert SERVICES["beat"]["command"][:4] == ["celery", "-A", "coiin", "beat"]
    assert SERVICES["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]


def test_services_wait_for_healthy_dependencies_and_have_healthchecks():
    for name in ("postgres", "redis", "web", "worker"):
        assert SERVICES[name]["healthcheck"]["test"], name
    assert SERVICES["web"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert SERVICES["worker"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert SERVICES["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "/healthz" in " ".join(SERVICES["web"]["healthcheck"]["test"])


def test_dockerfile_installs_the_locked_dependencies_and_runs_as_a_user():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "uv sync --frozen --no-dev" in dockerfile
    assert "COPY pyproject.toml uv.lock" in dockerfile
    assert "\nUSER coiin\n" in dockerfile
