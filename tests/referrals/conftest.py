from types import SimpleNamespace

import pytest

from tests.referrals.network import build_network, people


@pytest.fixture
def net(db: None) -> SimpleNamespace:
    return build_network(**people())
