"""The IHI Framework for Improving Joy in Work as the Learning Session 1 worksheet gives it (seed 004):
the nine critical components, each with the change ideas the worksheet lists under it, in its words.

One source for both the Joy in Work worksheet (worksheets/definitions.py) and the SRR key driver
diagram's Joy in Work aim (pdsa/demo.py): a worksheet's ticked idea finds its ChangeIdea by this text.
"""

# (key, component, change ideas)
COMPONENTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "safety",
        "Physical & Psychological Safety",
        (
            "Provide training on physical and psychological safety for staff and leadership",
            "Create an anonymous feedback loop for staff to voice concerns and leadership to respond",
            "Develop policies and procedures that help home visitors maintain their personal safety "
            "(e.g. providing cell phones, sending home visitors in pairs, emergency safety plans)",
            "Use a check-in app on work issued phones to support home visitor’s safety in the field",
        ),
    ),
    (
        "meaning",
        "Meaning & Purpose",
        (
            "Revise home visitor job descriptions to match the responsibilities of the program "
            "(e.g. paperwork, data entry, connecting families to resources and referrals)",
            "Use team activities to celebrate successes and reflect on purpose and meaning",
            "Spotlight home visitors at senior leadership staff meetings",
            "Develop a formal peer recognition award system",
        ),
    ),
    (
        "choice",
        "Choice and Autonomy",
        (
            "Provide opportunities for flexible/alternative work schedule/hours",
            "Ensure home visitors have a balance of time on desirable and less desirable job functions",
            "Identify opportunities for staff to confidentially report issues related to their supervision",
            "Provide protected time to practice self-care and take mental health days",
            "Involve home visitors in programmatic decision making",
        ),
    ),
    (
        "recognition",
        "Recognition and Rewards",
        (
            "Examine pay and promotion practices",
            "Develop policies to reimburse staff for accessing emergency childcare",
            "Create a physical or virtual board for home visitors to post accomplishments",
            "Clearly communicate standards for receiving incentives and rewards for job performance",
            "Develop career ladders for home visitors",
            "Offer scholarship programs or stipends for home visitors pursuing higher education",
        ),
    ),
    (
        "participative",
        "Participative Management",
        (
            "Develop clear guidelines for how home visitors allocate time during home visits",
            "Provide support to ease burden of data collection",
            "Create channels for sharing new guidance, materials, expectations for all team members",
        ),
    ),
    (
        "camaraderie",
        "Camaraderie & Teamwork",
        (
            "Use team meetings to share, recognize and celebrate individual and collective success",
            "Create a virtual space (e.g., Slack, chat, group text, email chain) to post questions, discuss "
            "tips/ideas, share joys/successes, and send messages of encouragement",
            "Offer peer mentorship for new home visitors",
            "Provide protected time for on-going reflective supervision",
        ),
    ),
    (
        "improvement",
        "Daily Improvement",
        (
            "Use CQI and other data in routine meetings to highlight bright spots and connect the work to "
            "positive outcomes",
            "Create a visible program goals chart that can be displayed, and update routinely",
        ),
    ),
    (
        "wellness",
        "Wellness and Resiliency",
        (
            "Engage home visitors in identifying organizational issues contributing to burnout and designing "
            "solutions to address them",
            "Create individualized professional development plans and goals for home visitors",
            "Offer training to promote home visitor awareness of stress management techniques",
            "Ensure equitable distribution of caseloads",
            "Ensure supervisors access regular reflective supervision",
        ),
    ),
    (
        "measurement",
        "Real-time Measurement",
        ("Provide opportunities for regular feedback, including job satisfaction surveys",),
    ),
)
