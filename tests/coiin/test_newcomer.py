"""Newcomer details (issue 21): a favicon on every page, `make run PORT=…`, `make demo-reset`."""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

ROOT = Path(__file__).resolve().parents[2]


def test_every_page_names_the_vendored_favicon(client, world):
    client.force_login(world.bob)
    assert (
        '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">'
        in client.get("/").content.decode()
    )
    found = finders.find("favicon.svg")
    assert found and Path(found).read_text().startswith("<svg")


def _dry_run(*args: str) -> str:
    make = shutil.which("make")
    assert make is not None
    return subprocess.run([make, "-n", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_serves_on_the_port_asked_for():
    assert "runserver 127.0.0.1:8000" in _dry_run("run")
    assert "runserver 127.0.0.1:8123" in _dry_run("run", "PORT=8123")


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_demo_reset_empties_the_database_then_loads_the_demo():
    commands = [line for line in _dry_run("demo-reset").splitlines() if "manage.py" in line]
    assert [c.split("manage.py ", 1)[1] for c in commands] == [
        "migrate --noinput",
        "flush --noinput",
        "seed_demo",
    ]
