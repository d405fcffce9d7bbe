"""Admin test helpers: a superuser, support agents and supervisors (the groups of the data migration)."""

import itertools
import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client

_seq = itertools.count(1)
AGENT_GROUP = "Support agent"
SUPERVISOR_GROUP = "Support supervisor"


def make_support_user(*, group: str) -> Any:
    user = get_user_model().objects.create_user(f"support{next(_seq)}", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def secrets_shown(response: Any) -> list[str]:
    """The values of a shown-once page, in order."""
    return re.findall(r"<code data-secret>([^<]+)</code>", response.content.decode())


@pytest.fixture
def superuser_client(db: Any) -> Client:
    user = get_user_model().objects.create_superuser("root", "root@example.tn", "x")
    return client_for(user)


@pytest.fixture
def agent(db: Any) -> Any:
    return make_support_user(group=AGENT_GROUP)


@pytest.fixture
def supervisor(db: Any) -> Any:
    return make_support_user(group=SUPERVISOR_GROUP)


@pytest.fixture
def agent_client(agent: Any) -> Client:
    return client_for(agent)


@pytest.fixture
def supervisor_client(supervisor: Any) -> Client:
    return client_for(supervisor)
