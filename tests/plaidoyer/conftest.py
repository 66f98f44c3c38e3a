"""Fixtures shared by the plaidoyer tests: the two-event world and a document built from its first event."""

import pytest

from contrib.plaidoyer import acts as plaidoyer_acts
from contrib.plaidoyer import placement
from tests.plaidoyer.test_plaidoyer import World


@pytest.fixture
def world(factory):
    return World(factory)


@pytest.fixture
def document_id(world) -> int:
    document = plaidoyer_acts.create("Plaidoyer national 2026", actor=world.staff)
    placement.add_from_process(document.id, world.pessac.id, actor=world.staff)
    return document.id
