"""The house rules that code review alone would let slip."""

import ast
import re
from pathlib import Path

from django.apps import apps

from collaboratives.scoping import ScopedQuerySet

ROOT = Path(__file__).resolve().parents[1]
APPS_IN_IMPORT_ORDER = ["collaboratives", "measures", "pdsa", "worksheets"]  # each may import only leftwards
# A side branch: referrals imports measures and collaboratives; nothing imports referrals.
BRANCHES = {"referrals": {"measures", "collaboratives"}}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_every_project_model_is_scoped_by_visible_to():
    unscoped = [
        model.__name__
        for app in [*APPS_IN_IMPORT_ORDER, *BRANCHES]
        for model in apps.get_app_config(app).get_models()
        if not model.__name__.startswith("Historical")
        and not isinstance(model._default_manager.all(), ScopedQuerySet)
    ]
    assert unscoped == []


def test_the_run_chart_engine_imports_nothing_from_django_or_the_apps():
    engine_files = list((ROOT / "measures" / "runchart").glob("*.py"))
    assert engine_files
    offending = {
        f"{path.name}: {name}"
        for path in engine_files
        for name in _imports(path)
        if name.split(".")[0] in {"django", "rest_framework", "celery", *APPS_IN_IMPORT_ORDER, *BRANCHES}
        and not name.startswith("measures.runchart")
    }
    assert offending == set()


def test_apps_import_one_way_worksheets_pdsa_measures_collaboratives():
    offending = []
    for position, app in enumerate(APPS_IN_IMPORT_ORDER):
        later = set(APPS_IN_IMPORT_ORDER[position + 1 :])
        for path in (ROOT / app).rglob("*.py"):
            offending += [
                f"{path.relative_to(ROOT)} imports {n}" for n in _imports(path) if n.split(".")[0] in later
            ]
    assert offending == []


APP_CODE = ["coiin", *APPS_IN_IMPORT_ORDER, *BRANCHES]


def _app_modules() -> list[Path]:
    return [p for app in APP_CODE for p in (ROOT / app).rglob("*.py") if "migrations" not in p.parts]


def _month_arithmetic(tree: ast.AST) -> list[int]:
    """Lines that count months by hand: `* 12`, `// 12` or `% 12` beside a `.year`/`.month`, a step back
    of one day to reach the previous month, a "%Y-%m" month format, or a `strptime`."""
    lines = []
    shown = {  # a month written into a message, e.g. f"{month:%Y-%m}", is display, not parsing
        id(c)
        for f in ast.walk(tree)
        if isinstance(f, ast.FormattedValue) and f.format_spec
        for c in ast.walk(f.format_spec)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult | ast.FloorDiv | ast.Mod):
            sides = [node.left, node.right]
            if any(isinstance(s, ast.Constant) and s.value == 12 for s in sides) and any(
                isinstance(n, ast.Attribute)
                and n.attr in ("year", "month")
                or isinstance(n, ast.Name)
                and n.id in ("index", "year", "month")
                for s in sides
                for n in ast.walk(s)
            ):
                lines.append(node.lineno)
        elif (
            isinstance(node, ast.Attribute)
            and node.attr == "strptime"
            or isinstance(node, ast.Constant)
            and node.value == "%Y-%m"
            and id(node) not in shown
        ):
            lines.append(node.lineno)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "replace"
            and isinstance(node.func.value, ast.BinOp)
            and any(k.arg == "day" for k in node.keywords)
        ):  # (date ± timedelta(days=…)).replace(day=…): a month step done with days
            lines.append(node.lineno)
    return lines


def test_only_the_months_module_counts_months_or_parses_yyyy_mm():
    offending = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in _app_modules()
        if path != ROOT / "collaboratives" / "months.py"
        for line in _month_arithmetic(ast.parse(path.read_text()))
    ]
    assert offending == []


def test_the_month_check_recognises_each_way_of_counting_months_by_hand():
    samples = {
        "index = m.year * 12 + m.month - 1 + n": 1,
        "y = index // 12": 1,
        "prev = (m - dt.timedelta(days=1)).replace(day=1)": 1,
        "d = dt.datetime.strptime(text, '%Y-%m')": 2,
        "formats = ['%Y-%m']": 1,
        "message = f'{month:%Y-%m} is in the future.'": 0,
        "first = m.replace(day=1)": 0,
        "hours = 12 * 60 * 60": 0,
    }
    assert {code: len(_month_arithmetic(ast.parse(code))) for code in samples} == samples


def test_enrolment_and_due_are_decided_in_one_module():
    """Only collaboratives/enrolment.py reads a team's joining and withdrawal dates to decide which months
    it reports; other modules ask it. (Querysets may still pre-filter on them, as a speed-up.)"""
    offending = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in _app_modules()
        if path.name not in ("enrolment.py", "models.py", "admin.py", "api.py", "demo.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Attribute)
        and node.attr in ("joined_on", "withdrawn_on")
        and isinstance(node.ctx, ast.Load)
    ]
    assert offending == []


def _names_used(tree: ast.AST) -> set[str]:
    """Attribute and imported names: `access.grants(...)` gives "grants", `from x import grants` too."""
    used = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    used |= {a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names}
    return used


def test_only_access_reads_a_users_grants():
    """Permission decisions live in collaboratives/access.py (and, for the referral network's roles,
    referrals/access.py), as named actions and questions; other modules ask them instead of reading the
    grants' id sets (docs/security.md, "Authorization")."""
    offending = {
        str(path.relative_to(ROOT))
        for path in _app_modules()
        if path not in (ROOT / "collaboratives" / "access.py", ROOT / "referrals" / "access.py")
        and _names_used(ast.parse(path.read_text())) & {"grants", "Grants", "_compute"}
    }
    assert offending == set()


def _permission_checks(path: Path) -> set[str]:
    """The functions of a module that call into collaboratives.access."""
    return {
        f.name
        for f in ast.walk(ast.parse(path.read_text()))
        if isinstance(f, ast.FunctionDef)
        and any(
            isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "access"
            for n in ast.walk(f)
        )
    }


def test_views_take_permission_checks_from_access_not_from_template_tags():
    tag_checks = {
        f"{path.parent.parent.name}.templatetags.{path.stem}": _permission_checks(path)
        for path in ROOT.glob("*/templatetags/*.py")
    }
    assert any(tag_checks.values())  # the template filters that wrap access exist, so the check is live
    views = [
        p
        for app in APP_CODE
        for p in (ROOT / app).rglob("*.py")
        if "views" in p.relative_to(ROOT).parts or p.name == "views.py"
    ]
    offending = [
        f"{path.relative_to(ROOT)} imports {alias.name} from {node.module}"
        for path in views
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ImportFrom) and node.module in tag_checks
        for alias in node.names
        if alias.name in tag_checks[node.module]
    ]
    assert offending == []


def test_forms_are_defined_in_forms_modules_not_in_views():
    offending = [
        f"{path.relative_to(ROOT)}: {node.name}"
        for app in APP_CODE
        for path in (ROOT / app).rglob("*.py")
        if "views" in path.relative_to(ROOT).parts or path.name == "views.py"
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ClassDef)
        and any(isinstance(b, ast.Attribute) and b.attr in ("Form", "ModelForm") for b in node.bases)
    ]
    assert offending == []


DOC_NAME = re.compile(r"docs/([\w-]+\.md)")
SECTION = re.compile(r"§\s?(\d+(?:\.\d+)*)")
SOURCE_GLOBS = ["*.py", "*.html", "*.js", "*.md", "*.toml", "*.yml", "*.sh", "Makefile", "Dockerfile", "run"]
SKIPPED_DIRS = {".venv", ".tools", ".git", "var", "node_modules", "migrations", "static"}


def _headings(doc: Path) -> set[str]:
    """The section numbers of a docs/ page: "## 3. The data path" gives "3", "### 3.1 Saving" gives "3.1"."""
    return set(re.findall(r"^#+ (\d+(?:\.\d+)*)\.?\s", doc.read_text(), re.M))


def _section_references(text: str, own: str | None) -> list[tuple[str | None, str]]:
    """(docs page, section) for each § in `text`, None for the page when none was named.

    In code a § refers to the docs/ page named last before it. In a docs page (`own`), a § refers to
    the page itself unless it directly follows another page's name ("docs/runchart.md §8.2, §8.5")."""
    events = sorted(
        [(m.start(), m.end(), "doc", m.group(1)) for m in DOC_NAME.finditer(text)]
        + [(m.start(), m.end(), "section", m.group(1)) for m in SECTION.finditer(text)]
    )
    current, end, out = own, 0, []
    for start, stop, kind, value in events:
        if own is not None and not re.fullmatch(r"[\s,;–-]*(?:and|to|or)?[\s,;–-]*", text[end:start]):
            current = own
        if kind == "doc":
            current = value
        else:
            out.append((current, value))
        end = stop
    return out


def test_every_section_reference_resolves_to_a_heading_in_docs():
    """A "§" in code, tests or docs names a numbered heading of a page in docs/, so whoever inherits the
    code can read the rule it implements (docs/architecture.md; no page outside the repository)."""
    files = [
        p
        for pattern in SOURCE_GLOBS
        for p in ROOT.rglob(pattern)
        if p.is_file() and not SKIPPED_DIRS & set(p.relative_to(ROOT).parts) and p != Path(__file__)
    ]
    headings = {doc.name: _headings(doc) for doc in (ROOT / "docs").glob("*.md")}
    checked, unresolved = 0, []
    for path in files:
        own = path.name if path.parent == ROOT / "docs" else None
        for doc, section in _section_references(path.read_text(), own):
            checked += 1
            if doc is None or section not in headings.get(doc, set()):
                unresolved.append(f"{path.relative_to(ROOT)}: §{section} of {doc or 'no docs/ page'}")
    assert checked > 50  # the references exist, so the check is live
    assert unresolved == []


def test_section_references_are_read_from_the_page_named_last():
    text = "rules (docs/runchart.md §3, §4.1); see docs/testing.md §5 and §2"
    assert _section_references(text, None) == [
        ("runchart.md", "3"),
        ("runchart.md", "4.1"),
        ("testing.md", "5"),
        ("testing.md", "2"),
    ]
    assert _section_references("spec §8", None) == [(None, "8")]
    page = "as docs/runchart.md §8.2 and §8.5 say; below, §3"
    assert _section_references(page, "architecture.md") == [
        ("runchart.md", "8.2"),
        ("runchart.md", "8.5"),
        ("architecture.md", "3"),
    ]


def test_readme_links_stay_inside_the_repository():
    readme = (ROOT / "README.md").read_text()
    links = [link for link in re.findall(r"\]\(([^)#\s]+)", readme) if not link.startswith("https://")]
    assert links  # the README links its docs, so the check is live
    assert [link for link in links if not (ROOT / link).resolve().is_relative_to(ROOT)] == []
    assert [link for link in links if not (ROOT / link).exists()] == []
    assert "../" not in readme


# Which kinds of module each kind may import, within the project (docs/architecture.md §2.1): views and
# APIs on top; forms, services and selectors below them; models at the bottom; tasks call services.
# An app's AppConfig (apps.py) wires the layers together at start-up (§2.2), so it may import any of them.
# Modules of no listed kind (series, imports, charts, access, months...) are domain code: below
# services, above models.
LAYER_OF = (
    "apps",
    "views",
    "api",
    "templatetags",
    "admin",
    "urls",
    "management",
    "forms",
    "tasks",
    "services",
    "selectors",
    "models",
)
MAY_IMPORT = {
    "models": {"models", "domain"},
    "selectors": {"selectors", "models", "domain"},
    "domain": {"domain", "services", "selectors", "models"},
    "services": {"services", "selectors", "models", "domain"},
    "forms": {"forms", "services", "selectors", "models", "domain"},
    "tasks": {"tasks", "services", "selectors", "models", "domain"},
}


def _layer(module: str) -> str:
    parts = module.split(".")[1:]
    return next((kind for kind in LAYER_OF if kind in parts), "domain")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _upward_imports() -> set[str]:
    found = set()
    for path in _app_modules():
        module = _module_name(path)
        allowed = MAY_IMPORT.get(_layer(module))
        if allowed is None:
            continue  # interfaces (views, APIs, admin, commands) may import any layer
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            for name in names:
                target = name if name.split(".")[0] in APP_CODE else None
                if target and _layer(target) not in allowed:
                    found.add(f"{module} -> {'.'.join(target.split('.')[:2])}")
    return found


def test_layers_import_one_way_views_forms_services_selectors_models():
    assert _upward_imports() == set()


def test_the_layer_of_a_module_is_read_from_its_path():
    assert [
        _layer(m) for m in ("measures.views.imports", "pdsa.forms", "measures.series", "coiin.celery")
    ] == [
        "views",
        "forms",
        "domain",
        "domain",
    ]


def test_emails_that_must_go_once_are_sent_by_the_one_helper():
    """A message sent by `.send()` goes through collaboratives.mail.send_once (claim, send, release on
    failure); only the one-off invitation email uses send_mail directly."""
    senders = sorted(
        str(path.relative_to(ROOT))
        for path in _app_modules()
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "send"
        and not node.args
        and not node.keywords
    )
    assert senders == ["collaboratives/mail.py"]


TIMING = re.compile(r"\b\d+(?:\.\d+)? ?(?:ms|µs)\b|\b\d+(?:\.\d+)? ?[x×] (?:faster|slower)")


def test_benchmark_figures_live_in_bench_readme_not_in_the_code():
    """Measured timings go stale in docstrings; bench/README.md keeps them with the command that measures them."""
    assert TIMING.search("took ~1.5 ms") and TIMING.search("4× faster") and not TIMING.search("within 3 s")
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in _app_modules()
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if TIMING.search(line)
    ]
    assert found == []


WRITES = {"save", "delete", "create", "bulk_create", "bulk_update", "get_or_create", "update_or_create"}


def test_views_and_apis_write_through_services_only():
    """No interface module saves, deletes or opens a transaction: services own every write
    (docs/architecture.md §2.1). A queryset `.update(...)` counts too; a dict's `.update` is told apart
    by being called on a name the view built itself, so only ORM-looking calls are listed."""
    interfaces = [
        p
        for p in _app_modules()
        if _layer(_module_name(p)) in ("views", "api") and p.parent.name != "templatetags"
    ]
    assert interfaces
    offending = {
        str(path.relative_to(ROOT))
        for path in interfaces
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and (
            node.func.attr in WRITES
            or node.func.attr == "update"
            and isinstance(node.func.value, ast.Call)  # qs.filter(...).update(...)
            or node.func.attr == "atomic"
        )
        or isinstance(node, ast.Attribute)
        and node.attr == "atomic"
    }
    assert offending == set()


def _names_referred(path: Path) -> set[str]:
    """Every name and attribute a module refers to (`runchart_list`, `RunChartAnalysis.objects` → `objects`)."""
    tree = ast.parse(path.read_text())
    used: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            used.add(node.id)
        elif isinstance(node, ast.Attribute):
            used.add(node.attr)
            if isinstance(node.value, ast.Name) and node.value.id == "RunChartAnalysis":
                used.add(f"RunChartAnalysis.{node.attr}")
        elif isinstance(node, ast.ImportFrom):
            used.update(alias.name for alias in node.names)
    return used


def test_stored_run_charts_reach_interfaces_only_through_the_one_viewer_read():
    """Pages, exports, the API, PDFs and emails get a chart from measures.charts.read (which applies
    visibility, naming, suppression and withholding), never by querying the stored rows themselves
    nor by applying the rule on their own (issue 19)."""
    private = {"runchart_list", "suppress_for_viewer", "withhold", "RunChartAnalysis.objects"}
    allowed = {
        "measures/charts/read.py": {"runchart_list", "suppress_for_viewer"},
        "measures/charts/suppression.py": {"suppress_for_viewer", "withhold", "RunChartAnalysis.objects"},
        "measures/charts/recompute.py": {"RunChartAnalysis.objects"},
        "measures/selectors.py": {"runchart_list", "RunChartAnalysis.objects"},  # defines it
        "measures/services.py": {"RunChartAnalysis.objects"},  # marks series stale
        "measures/tasks.py": {"RunChartAnalysis.objects"},  # loads a series by id to recompute it
    }
    offending = []
    for app in APPS_IN_IMPORT_ORDER:
        for path in (ROOT / app).rglob("*.py"):
            name = str(path.relative_to(ROOT))
            if "/migrations/" in name or "/management/" in name or name.endswith("/demo.py"):
                continue
            offending += [
                f"{name}: {n}" for n in sorted(_names_referred(path) & private - allowed.get(name, set()))
            ]
    assert offending == []


def test_referrals_imports_only_measures_and_collaboratives_and_no_app_imports_referrals():
    ours = {*APPS_IN_IMPORT_ORDER, *BRANCHES}
    offending = []
    for branch, allowed in BRANCHES.items():
        for path in (ROOT / branch).rglob("*.py"):
            tops = {n.split(".")[0] for n in _imports(path)}
            offending += [f"{path.relative_to(ROOT)} imports {t}" for t in tops & ours - allowed - {branch}]
    for app in APPS_IN_IMPORT_ORDER:
        for path in (ROOT / app).rglob("*.py"):
            tops = {n.split(".")[0] for n in _imports(path)}
            offending += [f"{path.relative_to(ROOT)} imports {t}" for t in tops & set(BRANCHES)]
    assert offending == []


def test_survey_answers_reach_pages_only_through_the_survey_selectors():
    """Staff survey answers and comments are read for viewers in worksheets/survey/selectors.py, which
    applies the disclosure rules (threshold, breakdowns, subtraction), and nowhere else; the services
    write them and close a month; the rules are applied nowhere but there (issue 23)."""
    private = {"SurveyResponse", "SurveyComment", "group_shown", "breakdown_shown", "pooled_breakdown_shown"}
    related = {"responses", "comments"}  # a window's answers and comments, as related managers
    allowed = {
        "worksheets/models.py": {"SurveyResponse", "SurveyComment", "responses", "comments"},  # defines them
        "worksheets/survey/disclosure.py": {"group_shown", "breakdown_shown", "pooled_breakdown_shown"},
        "worksheets/survey/selectors.py": private | related,
        "worksheets/survey/services.py": {
            "SurveyResponse",
            "SurveyComment",
        },  # saves them; closing counts them
        "worksheets/survey/forms.py": {"SurveyResponse"},  # the role choices
    }
    offending = []
    for app in [*APPS_IN_IMPORT_ORDER, *BRANCHES]:
        for path in (ROOT / app).rglob("*.py"):
            name = str(path.relative_to(ROOT))
            if "/migrations/" in name or name.endswith("/demo.py"):
                continue
            watched = private | related if name.startswith("worksheets/survey/") else private
            offending += [
                f"{name}: {n}" for n in sorted(_names_referred(path) & watched - allowed.get(name, set()))
            ]
    assert offending == []


def test_a_download_names_its_file_through_djangos_header_helper():
    """A file name holds user-chosen words (an LIA's or a collaborative's name): quoted by hand, a `"` in
    one breaks the header (issue 19, finding 6). Only a fixed name may be written as a literal."""

    def by_helper(value: ast.expr) -> bool:
        return isinstance(value, ast.Constant) or any(
            isinstance(node, ast.Call) and getattr(node.func, "id", None) == "content_disposition_header"
            for node in ast.walk(value)
        )

    by_hand = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in _app_modules()
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Assign)
        and any(
            isinstance(target, ast.Subscript)
            and isinstance(target.slice, ast.Constant)
            and target.slice.value == "Content-Disposition"
            for target in node.targets
        )
        and not by_helper(node.value)
    ]
    assert by_hand == []
