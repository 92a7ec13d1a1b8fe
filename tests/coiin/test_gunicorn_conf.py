"""coiin/gunicorn.conf.py, the web service's one set of gunicorn settings (Docker image, compose, bench)."""

import runpy
from pathlib import Path

from django.template import engines

ROOT = Path(__file__).resolve().parents[2]
CONF = runpy.run_path(str(ROOT / "coiin" / "gunicorn.conf.py"))


def test_production_runs_3_workers_forked_from_a_preloaded_app():
    assert (CONF["workers"], CONF["preload_app"], CONF["bind"]) == (3, True, "0.0.0.0:8000")
    assert 'CMD ["gunicorn", "-c", "coiin/gunicorn.conf.py", "coiin.wsgi:application"]' in (
        (ROOT / "Dockerfile").read_text()
    )


def test_the_master_compiles_every_project_template_before_forking_without_touching_the_database():
    # No `db` fixture: any query here would fail the test. A worker forked after this renders its first
    # page from the compiled templates the master holds.
    CONF["when_ready"](None)
    loader = engines["django"].engine.template_loaders[0]
    cached = {key.split(":", 1)[0] for key in loader.get_template_cache}
    project = {str(p.relative_to(ROOT / "templates")) for p in (ROOT / "templates").rglob("*.html")}
    assert project <= cached


def test_the_master_freezes_what_it_loaded_out_of_the_workers_collections():
    import gc

    before = gc.get_freeze_count()
    try:
        CONF["when_ready"](None)
        assert gc.get_freeze_count() > before
    finally:
        gc.unfreeze()
