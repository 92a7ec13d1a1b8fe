from types import SimpleNamespace

import pytest

from tests.pdsa.factories import AimFactory, ChangeIdeaFactory, DriverFactory


@pytest.fixture
def kdd(world: SimpleNamespace) -> SimpleNamespace:
    """A small diagram in ONE (aim → primary → secondary → ideas) and one idea in TWO."""
    aim = AimFactory(collaborative=world.one, text="85% of home visitors feel supported")
    primary = DriverFactory(aim=aim, text="Physical & Psychological Safety")
    secondary = DriverFactory(aim=None, parent=primary, text="Safety in the field")
    other_primary = DriverFactory(aim=aim, text="Camaraderie & Teamwork", order=1)
    return SimpleNamespace(
        aim=aim,
        primary=primary,
        secondary=secondary,
        idea=ChangeIdeaFactory(driver=primary, text="Use a check-in app on work issued phones"),
        idea_secondary=ChangeIdeaFactory(driver=secondary, text="Send home visitors in pairs"),
        idea_team=ChangeIdeaFactory(driver=other_primary, text="Offer peer mentorship for new home visitors"),
        idea_two=ChangeIdeaFactory(
            driver=DriverFactory(aim=AimFactory(collaborative=world.two)), text="An idea of collaborative TWO"
        ),
    )
