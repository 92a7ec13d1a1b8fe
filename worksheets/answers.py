"""Validates a worksheet's answers against the template definition they were written against.

Answers are a JSON object keyed by question key. Empty answers are dropped, so a stored worksheet
holds only what was said. Every problem is reported under its question's key, so a form shows it
next to the field and an API as a field error.
"""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError

from worksheets.definitions import questions

TEXT_LIMIT = {"text": 5000, "short": 300}


def _clean_one(question: dict[str, Any], value: Any) -> Any:
    """The stored form of one answer, None when empty; raises ValueError with a message for people."""
    kind = question["type"]
    if kind in ("text", "short"):
        if not isinstance(value, str):
            raise ValueError("Enter text.")
        value = value.strip()
        if len(value) > TEXT_LIMIT[kind]:
            raise ValueError(f"Keep this under {TEXT_LIMIT[kind]} characters.")
        return value or None
    if kind == "choice":
        if value in ("", None):
            return None
        if value not in question["options"]:
            raise ValueError(f"“{value}” is not one of the choices.")
        return value
    if kind == "checklist":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError("Tick items from the list.")
        unknown = [v for v in value if v not in question["options"]]
        if unknown:
            raise ValueError(f"“{unknown[0]}” is not one of the choices.")
        limit = question.get("max_choices")
        if limit is not None and len(set(value)) > limit:
            raise ValueError(f"Choose at most {limit}.")
        return [o for o in question["options"] if o in value] or None  # the template's order, no repeats
    if kind == "date":
        if value in ("", None):
            return None
        if isinstance(value, dt.date):
            return value.isoformat()
        try:
            return dt.date.fromisoformat(value).isoformat()
        except (TypeError, ValueError):
            raise ValueError("Enter a date as YYYY-MM-DD.") from None
    if kind == "number":
        if value in ("", None):
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("Enter a whole number.")
        if value < question.get("min", 0):
            raise ValueError(f"Enter a number of at least {question.get('min', 0)}.")
        step = question.get("multiple_of")
        if step and value % step:
            raise ValueError(f"Use a multiple of {step} (for example 5, 10 or 25).")
        return value
    raise ValueError(f"Unknown question type {kind}.")


def answers_clean(definition: dict[str, Any], answers: Any) -> dict[str, Any]:
    """The answers as stored: each checked against its question and the template's cross-question rules."""
    if not isinstance(answers, dict):
        raise ValidationError({"answers": "Answers must be an object keyed by question."})
    by_key = {q["key"]: q for q in questions(definition)}
    errors: dict[str, list[str]] = {}
    for key in answers:
        if key not in by_key:
            errors.setdefault(key, []).append("This question is not part of the worksheet.")
    cleaned: dict[str, Any] = {}
    for key, question in by_key.items():
        if key not in answers:
            continue
        try:
            value = _clean_one(question, answers[key])
        except ValueError as exc:
            errors.setdefault(key, []).append(str(exc))
            continue
        if value is not None:
            cleaned[key] = value
    # An answer that failed its own check (e.g. too many components ticked) reports only that: the
    # answers that depend on it or are compared with it are not judged against a value that was refused.
    refused = set(errors)
    for key, value in cleaned.items():
        question = by_key[key]
        dep = question.get("depends_on")
        if dep and dep[0] not in refused and dep[1] not in cleaned.get(dep[0], []):
            errors.setdefault(key, []).append(
                f"Choose “{dep[1]}” under “{by_key[dep[0]]['label']}” first, or clear this answer."
            )
        if (other := question.get("not_before")) and other in cleaned and value < cleaned[other]:
            errors.setdefault(key, []).append(
                f"{question['label']} cannot be before {by_key[other]['label'].lower()}."
            )
    if errors:
        raise ValidationError(errors)
    return cleaned
