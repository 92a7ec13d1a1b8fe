"""Screenshots (artifacts/screenshots/, for people to look at) and axe-core WCAG 2.1 AA checks."""

from pathlib import Path
from typing import Any

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


def axe_violations(page: Any) -> list[tuple[str, str, int]]:
    from axe_playwright_python.sync_playwright import Axe

    response = Axe().run(
        page, options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
    )
    return [(v["id"], v["impact"], len(v["nodes"])) for v in response.response["violations"]]


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def wait_for_charts(page: Any, timeout: int = 20_000, at_least: int = 1) -> int:
    """Wait until every run chart on the page is drawn; return how many are.

    Locator waits, not `wait_for_function`: polling a JavaScript string needs eval, which the
    site's Content-Security-Policy (rightly) refuses.
    """
    from playwright.sync_api import expect

    if at_least:
        page.locator("[data-runchart]").nth(at_least - 1).wait_for(state="attached", timeout=timeout)
    expect(page.locator("[data-runchart]:not([data-drawn])")).to_have_count(0, timeout=timeout)
    return page.locator("[data-drawn]").count()
