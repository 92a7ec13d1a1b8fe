"""The default staff well-being pulse survey, and the rules an item definition must meet (no Django).

The three frequency items are the SRR CoIIN's published outcome measures ("always" counts); the fourth
measures the SMART aim "improve or maintain high staff well-being" with a retrospective transition
question, which needs no identity to link two months (docs/survey.md says why).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

FREQUENCY = (
    {"value": "never", "en": "Never", "es": "Nunca"},
    {"value": "rarely", "en": "Rarely", "es": "Casi nunca"},
    {"value": "sometimes", "en": "Sometimes", "es": "A veces"},
    {"value": "often", "en": "Often", "es": "Con frecuencia"},
    {"value": "always", "en": "Always", "es": "Siempre"},
)
TRANSITION = (
    {"value": "better", "en": "Better than 3 months ago", "es": "Mejor que hace 3 meses"},
    {"value": "same_good", "en": "About the same, and good", "es": "Más o menos igual, y bien"},
    {"value": "same_not_good", "en": "About the same, and not good", "es": "Más o menos igual, pero no bien"},
    {"value": "worse", "en": "Worse than 3 months ago", "es": "Peor que hace 3 meses"},
)


@dataclass(frozen=True)
class DefaultItem:
    code: str
    text_en: str
    text_es: str
    choices: tuple[dict[str, str], ...]
    top_box: tuple[str, ...]
    measure_code: str  # the collaborative's measure of this code, if it has one, is the item's measure


DEFAULT_ITEMS = (
    DefaultItem(
        "supported",
        "How often do you feel supported to manage your work and be present with families?",
        "¿Con qué frecuencia se siente apoyado o apoyada para manejar su trabajo y estar presente con las familias?",
        FREQUENCY,
        ("always",),
        "supported",
    ),
    DefaultItem(
        "reflective-supervision",
        "How often do you receive reflective supervision that motivates you in your work?",
        "¿Con qué frecuencia recibe supervisión reflexiva que le motiva en su trabajo?",
        FREQUENCY,
        ("always",),
        "reflective-supervision",
    ),
    DefaultItem(
        "work-life-balance",
        "How often are you satisfied with your work/life balance, able to manage stress, and able to "
        "take time for self-care?",
        "¿Con qué frecuencia está satisfecho o satisfecha con el equilibrio entre su trabajo y su vida, "
        "puede manejar el estrés y tiene tiempo para cuidarse?",
        FREQUENCY,
        ("always",),
        "work-life-balance",
    ),
    DefaultItem(
        "wellbeing",
        "Compared with 3 months ago, how is your well-being at work now?",
        "En comparación con hace 3 meses, ¿cómo está ahora su bienestar en el trabajo?",
        TRANSITION,
        ("better", "same_good"),
        "wellbeing",
    ),
)


def choices_text(choices: Sequence[dict[str, str]]) -> str:
    """Choices as the admin form shows them: one per line, `value | English | Spanish`."""
    return "\n".join(f"{c['value']} | {c['en']} | {c['es']}" for c in choices)


def choices_parse(text: str) -> tuple[list[dict[str, str]], list[str]]:
    """Parse `value | English | Spanish` lines; returns the choices and an error per bad line."""
    choices: list[dict[str, str]] = []
    errors: list[str] = []
    seen: set[str] = set()
    for number, line in enumerate((raw for raw in text.splitlines() if raw.strip()), start=1):
        parts = [p.strip() for p in line.split("|")]
        if len(parts) != 3 or not all(parts):
            errors.append(f"Line {number}: write value | English | Spanish.")
            continue
        value, en, es = parts
        if not value.replace("_", "").replace("-", "").isalnum() or len(value) > 30:
            errors.append(f"Line {number}: the value {value!r} must be letters, digits, - or _ (up to 30).")
        elif value in seen:
            errors.append(f"Line {number}: the value {value!r} is used twice.")
        seen.add(value)
        choices.append({"value": value, "en": en, "es": es})
    if not errors and len(choices) < 2:
        errors.append("Give at least two answers.")
    return choices, errors


def top_box_errors(choices: Sequence[dict[str, Any]], top_box: Sequence[str]) -> list[str]:
    """The counted answers must be some, but not all, of the item's answers."""
    values = {c["value"] for c in choices}
    unknown = [v for v in top_box if v not in values]
    if unknown:
        return [f"{', '.join(unknown)} is not one of the answers."]
    if not top_box:
        return ["Choose at least one answer that counts."]
    if set(top_box) == values:
        return ["Leave at least one answer that does not count, or the share is always 100%."]
    return []
