"""Illustrative eligibility of four common home visiting models, as rule data.

These are simplified for the demo and tests (docs/referrals.md): a real network copies each model's
current criteria into its programs' rules on the directory page.
"""

from typing import Any

from referrals.models import Fact, HomeVisitingModel, Operator

ILLUSTRATIVE_RULES: dict[str, list[dict[str, Any]]] = {
    # Prenatal, or a baby under 3 months.
    HomeVisitingModel.HFA: [
        {"group": 1, "fact": Fact.PREGNANT, "operator": Operator.IS_TRUE, "value": None},
        {"group": 2, "fact": Fact.CHILD_AGE_MONTHS, "operator": Operator.AT_MOST, "value": 2},
    ],
    # First-time mothers, enrolled by the 28th week of pregnancy.
    HomeVisitingModel.NFP: [
        {"group": 1, "fact": Fact.PREGNANT, "operator": Operator.IS_TRUE, "value": None},
        {"group": 1, "fact": Fact.FIRST_TIME_PARENT, "operator": Operator.IS_TRUE, "value": None},
        {"group": 1, "fact": Fact.WEEKS_PREGNANT, "operator": Operator.AT_MOST, "value": 28},
    ],
    # Prenatal to kindergarten entry.
    HomeVisitingModel.PAT: [
        {"group": 1, "fact": Fact.PREGNANT, "operator": Operator.IS_TRUE, "value": None},
        {"group": 2, "fact": Fact.CHILD_AGE_MONTHS, "operator": Operator.AT_MOST, "value": 59},
    ],
    # Pregnant or a child under 3, with household income below the poverty line.
    HomeVisitingModel.EHS: [
        {"group": 1, "fact": Fact.PREGNANT, "operator": Operator.IS_TRUE, "value": None},
        {"group": 1, "fact": Fact.INCOME_BELOW_POVERTY, "operator": Operator.IS_TRUE, "value": None},
        {"group": 2, "fact": Fact.CHILD_AGE_MONTHS, "operator": Operator.AT_MOST, "value": 35},
        {"group": 2, "fact": Fact.INCOME_BELOW_POVERTY, "operator": Operator.IS_TRUE, "value": None},
    ],
}
