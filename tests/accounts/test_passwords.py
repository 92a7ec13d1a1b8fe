"""Password rules (security plan check #9): at least 12 characters, no common or all-digit passwords,
nothing like the user's own name; no composition rules, and long passphrases are welcome."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from tests.factories import UserFactory


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("password123", "This password is too short. It must contain at least 12 characters."),
        ("Tr0ub4d", "This password is too short. It must contain at least 12 characters."),
        ("password1234", "This password is too common."),
        ("482915736028", "This password is entirely numeric."),
        ("margaret.hamilton@example.org", "The password is too similar to the username."),
    ],
)
def test_weak_passwords_are_rejected_with_the_reason(db, password, message):
    user = UserFactory.build(username="margaret.hamilton@example.org", email="margaret.hamilton@example.org")
    with pytest.raises(ValidationError) as raised:
        validate_password(password, user=user)
    assert message in raised.value.messages


@pytest.mark.parametrize(
    "password",
    ["home visits every tuesday", "x" * 11 + "y", "a plain lowercase passphrase " * 2 + "that is 64+ chars"],
)
def test_long_passwords_need_no_digits_capitals_or_symbols(db, password):
    assert validate_password(password, user=UserFactory.build()) is None
