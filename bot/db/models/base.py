"""The declarative base, its naming convention, and slack_sdk's OAuth tables on the same metadata."""

from __future__ import annotations

import enum

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import (
    MetaData,
)
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# slack_sdk builds its tables on whatever MetaData it is given; putting them on ours lets
# Alembic create, migrate and drift-check them with everything else.
INSTALLATIONS_TABLE = SQLAlchemyInstallationStore.build_installations_table(Base.metadata, "slack_installations")
BOTS_TABLE = SQLAlchemyInstallationStore.build_bots_table(Base.metadata, "slack_bots")
OAUTH_STATES_TABLE = SQLAlchemyOAuthStateStore.build_oauth_states_table(Base.metadata, "slack_oauth_states")


def _values(enum_type: type[enum.StrEnum]) -> list[str]:
    """Store an enum's values (``"due"``), not its member names."""
    return [member.value for member in enum_type]
