"""The worksheet templates, described as data: sections of typed questions, from the seed documents.

One small mechanism serves both worksheets (the Joy in Work reflection, `shared/seeds/004_*`, and the
closing CQI planner, `shared/seeds/002_*`): each is a list of sections, each section a list of
questions with a key, a type and, for choices, the options in the seed's exact wording. The two
documents differ only in their questions, so two apps' worth of models would duplicate storage,
validation and rendering for nothing. What is not a question (Part 1's figures, computed from data)
stays outside the template.

A definition is stored with its version (`WorksheetTemplate`) the first time it is used; a worksheet
keeps the version it was written against and is validated against that one. Changing a definition
here means bumping its VERSION.

Question types: "text" (paragraphs), "short" (one line), "choice" (one option), "checklist" (any
options, at most `max_choices`), "date", "number" (whole, `min`, `multiple_of`). In a section laid out in
"rows" (a grid such as the nine components), each question names its `row` and `column`. Optional rules:
`depends_on` = [key, option] (only answerable when that checklist has that option ticked) and
`not_before` = key (a date not before another date).
"""

from typing import Any

from collaboratives.joy_in_work import COMPONENTS

JOY_IN_WORK = "joy-in-work"
CLOSING_PLANNER = "closing-planner"

RATINGS = ["Strength", "Moderate Strength", "Opportunity for Improvement"]

# The nine critical components and, for each, the change ideas the seed lists under it.
JOY_COMPONENTS: list[tuple[str, str, list[str]]] = [
    (key, name, list(ideas)) for key, name, ideas in COMPONENTS
]
OTHER = "Other"


def _text(key: str, label: str, **extra: Any) -> dict[str, Any]:
    return {"key": key, "type": "text", "label": label, **extra}


def _joy() -> dict[str, Any]:
    components = [name for _, name, _ in JOY_COMPONENTS]
    all_ideas = [idea for _, _, ideas in JOY_COMPONENTS for idea in ideas]
    return {
        "title": "Joy in Work: participant reflection worksheet",
        "source": "LC Session 1: The Heart of Home Visiting: Understanding Workforce Well-being",
        "sections": [
            {
                "key": "reflection",
                "title": "Reflection",
                "questions": [
                    _text(
                        "reflect_resonate",
                        "How do these critical components of joy in work resonate with you and your "
                        "experience in the home visiting field?",
                        help="Reflect on how these factors have impacted your own job satisfaction and "
                        "effectiveness.",
                    ),
                    _text(
                        "reflect_roles",
                        "What role(s) do you play to support home visiting staff well-being for yourself "
                        "and in your program, agency or system? How do the key drivers show up in your work?",
                        help="Discuss how the key drivers manifest in your day-to-day work and "
                        "responsibilities.",
                    ),
                    _text(
                        "reflect_strategies",
                        "What are some examples of successful strategies that you and/or your "
                        "program/agency currently use under these components of joy in work? How are "
                        "they working or not working – how do you know?",
                        help="What metrics or feedback do you use to determine success or areas needing "
                        "improvement?",
                    ),
                    _text(
                        "reflect_growth",
                        "Which components of Joy in Work do you see as opportunities for growth for "
                        "supporting home visiting staff well-being in your program or agency?",
                        help="Consider strategies and actions that could be implemented to strengthen "
                        "support in this area.",
                    ),
                ],
            },
            {
                "key": "integration",
                "row_heading": "Key component",
                "title": "Integration",
                "intro": "For each critical component, choose what best describes your team’s status, "
                "and note a few strengths and gaps.",
                "layout": "rows",
                "display": "grid",  # the seed's table: one row per component, one column per rating
                "questions": [
                    q
                    for key, name, _ in JOY_COMPONENTS
                    for q in (
                        {
                            "key": f"rating_{key}",
                            "type": "choice",
                            "label": f"{name}: status",
                            "row": name,
                            "column": "Status",
                            "options": RATINGS,
                        },
                        {
                            "key": f"notes_{key}",
                            "type": "short",
                            "label": f"{name}: strengths and gaps",
                            "row": name,
                            "column": "Strengths and gaps",
                        },
                    )
                ],
            },
            {
                "key": "action",
                "title": "Action",
                "intro": "Identify just 1 – 2 components of well-being that have opportunity for improvement "
                "and that you are most interested in working on as a team, then tick the action steps you "
                "might take, or write in another idea.",
                "questions": [
                    {
                        "key": "action_components",
                        "type": "checklist",
                        "label": "Components to work on (choose 1 or 2)",
                        "options": components,
                        "max_choices": 2,
                    },
                    *(
                        q
                        for key, name, ideas in JOY_COMPONENTS
                        for q in (
                            {
                                "key": f"changes_{key}",
                                "type": "checklist",
                                "label": f"Change ideas for {name}",
                                "options": ideas,
                                "depends_on": ["action_components", name],
                                "row": name,
                            },
                            {
                                "key": f"other_{key}",
                                "type": "short",
                                "label": f"Other idea for {name}",
                                "depends_on": ["action_components", name],
                                "row": name,
                            },
                        )
                    ),
                ],
            },
            {
                "key": "plan",
                "title": "Create a plan for your change idea",
                "questions": [
                    {
                        "key": "plan_change",
                        "type": "choice",
                        "label": "Which change will you test?",
                        "options": [*all_ideas, OTHER],
                        "widget": "select",
                    },
                    {"key": "plan_change_other", "type": "short", "label": "If other, describe the change"},
                    _text("plan_who", "With whom? (remember – start small)"),
                    {"key": "plan_start", "type": "date", "label": "Start date"},
                    {"key": "plan_end", "type": "date", "label": "End date", "not_before": "plan_start"},
                    _text("plan_measure", "What will you measure? (keep it simple)"),
                ],
            },
            {
                "key": "matters",
                "title": "What matters to you?",
                "questions": [
                    _text(
                        "matters_joy",
                        "Ask: What Matters to You? What brings you joy in your work? What makes for a good "
                        "day for you? What makes you proud to work here?",
                    ),
                    _text(
                        "matters_impediments",
                        "Identify unique impediments that get in the way. What gets in the way of what "
                        "matters (the “pebbles in your shoes”)? What frustrates you in your day?",
                    ),
                    _text(
                        "matters_commit",
                        "Commit to making joy in work a shared responsibility at all levels of the "
                        "organization. Where do you have responsibility and/or agency to support the "
                        "well-being of you, your colleagues and your organization? Who will you need "
                        "support from?",
                    ),
                    _text(
                        "matters_framework",
                        "Consider: What resonates with you about the Joy in Work framework? How might you "
                        "use this framework with your team to support you, your colleagues and your work?",
                    ),
                ],
            },
        ],
    }


DISSEMINATION = [
    "Inclusion of results in newsletters to local teams and/or partners",
    "Training for local teams",
    "Inclusion of your plans and outcomes in your annual MIECHV CQI report",
    "Final report or fact sheet",
    "Publication(s) to a journal(s)",
    "Conference presentation(s)",
]
SUPPORT = [
    "Continue monthly data & PDSA submission",
    "1:1 coaching calls with teams",
    "Peer to peer calls",
    "Office Hours",
    "Support teams to become peer mentors",
    "Connection to local faculty who can provide content support",
]
SUSTAINABILITY: list[tuple[str, str, list[str]]] = [
    (
        "hardwiring",
        "Hardwiring the Change",
        [
            "Update state/territory policies, procedures, and protocols to ensure new process is clear",
            "Incorporate successful changes into state/territory training and PD",
            "Build time for implementation planning into the improvement work",
            "Secure resources to help sustain change",
        ],
    ),
    (
        "readiness",
        "Increasing Staff Readiness",
        [
            "Publicly support the change and share results",
            "Leadership training for supervisors",
            "Help manage change fatigue",
            "Offer content on implementation at various events (state/territory trainings, team meetings, "
            "supervision)",
            "Facilitate peer sharing on implementation",
            "Offer 1:1 coaching on implementation",
        ],
    ),
    (
        "monitoring",
        "Monitoring Results Over Time",
        [
            "Periodic check-ins with LIA on data and status of past projects",
            "Add data elements to data systems for easy tracking and reports",
            "Offer quick summaries and updates on past projects via newsletter or at state/territory-wide "
            "events",
            "Ask teams to continue to collect data for 6 months",
        ],
    ),
]
BTS_CONDITIONS = [
    "Leadership is in place and committed to continued scale efforts",
    "Six or more local teams with high will and gaps in their outcomes are available to participate",
    "Cumulative CQI staff time equals a minimum of 2-4 days per month to support the BTS model",
    "Day-to-day lead can dedicate a minimum of 4 days per month for coordination and follow-up to the state "
    "and local teams",
    "Content expert(s) available to support ongoing coaching in content as warranted (e.g., expert from "
    "community mental health)",
    "CQI expert(s) available to review team’s data and PDSAs monthly and train participating LIA teams in "
    "the Model for Improvement",
    "Ability to host virtual, monthly topic calls",
    "Ability to host 3 in-person or virtual learning sessions annually",
    "Local teams could participate in learnings sessions without undue burden (e.g., could happen as part of "
    "an already occurring quarterly meeting)",
]
BTS_ASSESSMENT = ["Met", "Somewhat", "Not possible"]


def _closing() -> dict[str, Any]:
    sustainability = [
        q
        for key, name, steps in SUSTAINABILITY
        for q in (
            {"key": f"sus_{key}", "type": "checklist", "label": f"{name}: potential steps", "options": steps,
             "row": name, "column": "Potential steps"},
            _text(f"sus_{key}_next", f"{name}: what next steps will your awardee team take?", row=name,
                  column="Next steps"),
        )
    ]  # fmt: skip
    bts = [
        q
        for i, condition in enumerate(BTS_CONDITIONS, start=1)
        for q in (
            {"key": f"bts_{i}", "type": "choice", "label": f"Condition {i}: self-assessment",
             "options": BTS_ASSESSMENT, "row": condition, "column": "Self-assessment"},
            _text(f"bts_{i}_next", f"Condition {i}: next steps for moving forward or meeting this condition",
                  row=condition, column="Next steps"),
            {"key": f"bts_{i}_by", "type": "date", "label": f"Condition {i}: by when?", "row": condition,
             "column": "By when?"},
            {"key": f"bts_{i}_who", "type": "short", "label": f"Condition {i}: who is responsible?",
             "row": condition, "column": "Who is responsible?"},
            {"key": f"bts_{i}_ta", "type": "short", "label": f"Condition {i}: T/TA support needed",
             "row": condition, "column": "T/TA support needed"},
        )
    ]  # fmt: skip
    return {
        "title": "Planning Guide for Closing Continuous Quality Improvement (CQI) Projects",
        "source": "Planning Guide for Closing CQI Projects (HV CoIIN)",
        "sections": [
            {
                "key": "p1_reflections",
                "title": "Reflections",
                "questions": [
                    _text(
                        "p1_confidence",
                        "Do you have confidence in your data results and quality (most teams reporting, few "
                        "data errors, etc.)?",
                    ),
                    _text(
                        "p1_satisfied",
                        "Are you satisfied with this progress? If not, where would you like teams to be?",
                    ),
                    _text(
                        "p1_drivers",
                        "Are there drivers where deeper testing and work is needed? If yes, where is "
                        "testing needed?",
                    ),
                ],
            },
            {
                "key": "p1_dissemination",
                "title": "Section B. Disseminating your results",
                "questions": [
                    _text(
                        "p1_messages",
                        "What are your top results/lessons that you want to disseminate? What are your key "
                        "messages?",
                    ),
                    _text(
                        "p1_audience",
                        "Who do you want to disseminate your results to?",
                        help="Consider home visiting participants and staff, department or agency leaders, "
                        "community collaborators, state/territory task forces, or early childhood councils.",
                    ),
                    {
                        "key": "p1_activities",
                        "type": "checklist",
                        "label": "What activities do you intend to engage in to disseminate results?",
                        "options": DISSEMINATION,
                    },
                    {"key": "p1_activities_other", "type": "short", "label": "Other dissemination activity"},
                ],
            },
            {
                "key": "p2_teams",
                "part": "Part 2: Sustainability and next steps for participating LIA teams",
                "title": "Section A. Next steps for current teams",
                "questions": [
                    _text(
                        "p2_data_quality",
                        "Are there teams that need to improve the quality of their data? What supports "
                        "would facilitate their continued work to improve data collection and reporting?",
                    ),
                    _text(
                        "p2_close_teams",
                        "Teams who are close to meeting aims",
                        help="Suggested from the data when first opened; edit freely.",
                    ),
                    _text("p2_drivers", "Drivers where you are not yet meeting the aims"),
                    {
                        "key": "p2_support",
                        "type": "checklist",
                        "label": "What support might your team offer to continue the work?",
                        "options": SUPPORT,
                    },
                    {"key": "p2_support_other", "type": "short", "label": "Other support ideas"},
                ],
            },
            {
                "key": "p2_sustainability",
                "row_heading": "Key component of sustainability",
                "title": "Section B. Supporting sustainability",
                "layout": "rows",
                "questions": sustainability,
            },
            {
                "key": "p2_questions",
                "title": "Sustaining the gains",
                "questions": [
                    _text(
                        "p2_measures",
                        "What measures will your awardee team continue to collect/monitor to sustain the "
                        "gains? How often will the data be collected and reviewed?",
                    ),
                    _text(
                        "p2_confidence",
                        "How would you rate your local teams’ level of confidence and learning of CQI "
                        "methods? Are there gaps in learning that you still need to address?",
                    ),
                    _text(
                        "p2_champions",
                        "Who are your new CQI champions and how can they share their knowledge / experiences "
                        "with other teams?",
                    ),
                    _text(
                        "p2_skills",
                        "What skills, tools and/or new processes does your awardee team now have in place for "
                        "supporting CQI work moving forward? How can you adopt these in your future CQI "
                        "projects?",
                    ),
                ],
            },
            {
                "key": "p3_scope",
                "part": "Part 3: Scaling with additional LIAs",
                "title": "Section A. Scope and future participants",
                "questions": [
                    {
                        "key": "p3_new_sites",
                        "type": "number",
                        "label": "How many new sites do you want to scale with?",
                        "help": "A general rule of thumb for spread is to increase by multiples of 5.",
                        "min": 5,
                        "multiple_of": 5,
                    },
                    _text("p3_selection", "How will you decide which sites to include in future efforts?"),
                    _text(
                        "p3_leverage",
                        "How will you leverage the teams currently participating to support future "
                        "participants?",
                    ),
                ],
            },
            {
                "key": "p3_bts",
                "row_heading": "Condition",
                "title": "Section B. Infrastructure for running a Breakthrough Series Collaborative",
                "layout": "rows",
                "questions": bts,
            },
        ],
    }


# slug → (version, builder). Bump the version whenever a builder's output changes.
DEFINITIONS = {JOY_IN_WORK: (1, _joy), CLOSING_PLANNER: (1, _closing)}


def current(slug: str) -> tuple[int, dict[str, Any]]:
    """The current version number and definition of a worksheet template."""
    version, build = DEFINITIONS[slug]
    return version, build()


def questions(definition: dict[str, Any]) -> list[dict[str, Any]]:
    return [q for section in definition["sections"] for q in section["questions"]]
