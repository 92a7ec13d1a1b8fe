"""Factories for the key driver diagram and PDSA cycles (issue 6). Team-owned factories require team=."""

import factory
from django.utils import timezone

from collaboratives.models import Aim, ChangeIdea, Driver
from pdsa.models import PDSACycle, PDSAReview


class AimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Aim

    text = factory.Sequence(lambda n: f"Aim {n}: 85% of home visitors report high well-being by June 2027.")


class DriverFactory(factory.django.DjangoModelFactory):
    """A primary driver of `aim`; pass parent= (and aim=None) for a secondary driver."""

    class Meta:
        model = Driver

    aim = factory.SubFactory(AimFactory)
    collaborative = factory.LazyAttribute(lambda o: (o.aim or o.parent).collaborative)
    text = factory.Sequence(lambda n: f"Driver {n}")


class ChangeIdeaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChangeIdea

    driver = factory.SubFactory(DriverFactory)
    collaborative = factory.SelfAttribute("driver.collaborative")
    text = factory.Sequence(lambda n: f"Change idea {n}")


class PDSACycleFactory(factory.django.DjangoModelFactory):
    """Team-owned: pass team= and change_idea= (or other_change_idea=) explicitly."""

    class Meta:
        model = PDSACycle

    title = factory.Sequence(lambda n: f"Cycle {n}")
    prediction = "Two of three home visitors will use it every day."


class PDSAReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PDSAReview

    team = factory.SelfAttribute("cycle.team")
    requested_at = factory.LazyFunction(timezone.now)
