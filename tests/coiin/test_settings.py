"""Settings come from the environment; each case runs a fresh interpreter so module state can't leak."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "from django.conf import settings as s; import django; django.setup(); "
    "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.DEBUG)"
)


def run_settings(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY"}
    }
    clean.update(env, DJANGO_SETTINGS_MODULE="coiin.settings")
    return subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60
    )


def test_no_environment_with_debug_gives_sqlite_and_eager_tasks():
    result = run_settings({"DEBUG": "true"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "True", "True"]


def test_database_and_redis_urls_switch_to_postgresql_and_a_broker():
    result = run_settings(
        {
            "SECRET_KEY": "x" * 50,
            "DATABASE_URL": "postgres://u@db:5432/coiin",
            "REDIS_URL": "redis://r:6379/0",
        }
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.postgresql", "False", "False"]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "maybe"}, "DEBUG must be 'true' or 'false', got 'maybe'"),
        ({}, "SECRET_KEY must be set"),
        ({"DEBUG": "true", "EMAIL_PORT": "smtp"}, "EMAIL_PORT must be a whole number, got 'smtp'"),
        ({"DEBUG": "true", "SESSION_COOKIE_AGE": "10"}, "SESSION_COOKIE_AGE must be at least 300, got 10"),
        (
            {"DEBUG": "true", "SECRET_KEY_FILE": "/nonexistent/secret"},
            "SECRET_KEY_FILE points to '/nonexistent/secret'",
        ),
    ],
)
def test_bad_environment_values_fail_with_a_message_naming_the_variable(env, message):
    result = run_settings(env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_secret_key_can_come_from_a_docker_secret_file(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("from-a-file\n")
    probe = "from django.conf import settings as s; print(s.SECRET_KEY)"
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update(SECRET_KEY_FILE=str(secret), DJANGO_SETTINGS_MODULE="coiin.settings")
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.stdout.strip() == "from-a-file", result.stderr


def test_env_example_documents_every_variable_the_settings_read():
    source = (ROOT / "coiin" / "settings.py").read_text()
    read = set(re.findall(r'env_(?:str|bool|int|list)\("([A-Z_]+)"', source))
    documented = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    assert read, "no env readers found in settings.py"
    assert read - documented == set()


def test_embedded_mode_in_production_is_reported_by_the_deploy_check():
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG"}}
    env.update(SECRET_KEY="y" * 60, DJANGO_SETTINGS_MODULE="coiin.settings")
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert "coiin.W001" in result.stderr + result.stdout
    assert "coiin.W002" in result.stderr + result.stdout
