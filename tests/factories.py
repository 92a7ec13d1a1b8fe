import datetime as dt

import factory
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import encrypt
from django.contrib.auth import get_user_model

from collaboratives.models import LIA, Awardee, Collaborative, Membership, Role, Team
from measures.models import Measure, MonthlyReport, Observation


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}@example.org")
    email = factory.SelfAttribute("username")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password("correct-horse-battery")


# The authenticator-app secret of every enrolled test user; tests compute codes from it.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


class TOTPAuthenticatorFactory(factory.django.DjangoModelFactory):
    """An enrolled authenticator app (allauth MFA), as the roles that require MFA must have."""

    class Meta:
        model = Authenticator

    user = factory.SubFactory(UserFactory)
    type = Authenticator.Type.TOTP
    data = factory.LazyFunction(lambda: {"secret": encrypt(TOTP_SECRET)})


class AwardeeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Awardee

    name = factory.Sequence(lambda n: f"Awardee {n}")
    code = factory.Sequence(lambda n: f"aw{n}")


class LIAFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LIA

    awardee = factory.SubFactory(AwardeeFactory)
    name = factory.Sequence(lambda n: f"Agency {n}")


class CollaborativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Collaborative

    name = factory.Sequence(lambda n: f"Collaborative {n}")
    short_name = factory.Sequence(lambda n: f"C{n}")
    start_date = dt.date(2025, 1, 1)
    end_date = dt.date(2027, 6, 30)


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    collaborative = factory.SubFactory(CollaborativeFactory)
    lia = factory.SubFactory(LIAFactory)
    code = factory.Sequence(lambda n: f"T{n:02d}")
    joined_on = factory.SelfAttribute("collaborative.start_date")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = Role.TEAM_MEMBER


class MeasureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Measure

    collaborative = factory.SubFactory(CollaborativeFactory)
    code = factory.Sequence(lambda n: f"m{n}")
    name = factory.Sequence(lambda n: f"Measure {n}")
    numerator_definition = "Families who received the service"
    denominator_definition = "Families enrolled"


class ObservationFactory(factory.django.DjangoModelFactory):
    """Team-owned: pass team= explicitly."""

    class Meta:
        model = Observation

    measure = factory.LazyAttribute(lambda o: MeasureFactory(collaborative=o.team.collaborative))
    month = dt.date(2025, 1, 1)
    numerator = 5
    denominator = 10


class MonthlyReportFactory(factory.django.DjangoModelFactory):
    """Team-owned: pass team= explicitly."""

    class Meta:
        model = MonthlyReport

    month = dt.date(2025, 1, 1)
