"""The data model for the whole mission.

- ``Workspace``: one Slack team the bot serves (tokens live in the installation store).
- ``Member``: a person who has used the bot in a workspace: stage, timezone, manager link,
  prompt preferences, review date, digest channel (for managers).
- ``BragEntry`` + ``BragEvidence``: the brag document; evidence ties an entry to exit
  criteria or growth tactics by their content key.
- ``StuckSession``: one ``/stuck`` timer.
- ``NudgeDelivery``: the scheduling ledger. One row per (workspace, kind, recipient, period);
  the unique key is what makes every nudge, prompt, reminder and digest go out exactly once.
- ``ProcessedEvent``: Events API ids already handled (Slack retries deliveries).
- ``ConnectedAccount`` / ``ConnectState`` / ``FoundItem``: evidence found for the member in another tool
  (GitHub): the account with its token encrypted, a connect in progress, and what was found, offered once.
- ``slack_installations`` / ``slack_bots`` / ``slack_oauth_states``: slack_sdk's OAuth stores,
  declared on our metadata so Alembic owns them too.

One module per area (``base``, ``people``, ``wins``, ``ledger``, ``requests``, ``reviews``, ``found``);
``from bot.db.models import X`` works for every name, as before the split.
"""

from __future__ import annotations

from bot.db.models.base import BOTS_TABLE, INSTALLATIONS_TABLE, NAMING_CONVENTION, OAUTH_STATES_TABLE, Base
from bot.db.models.found import ConnectedAccount, ConnectState, FoundItem, FoundRole, FoundStatus
from bot.db.models.ledger import (
    CLAIMABLE,
    HELD,
    SNOOZE_MARK,
    DeliveryReason,
    DeliveryStatus,
    NudgeDelivery,
    NudgeKind,
    SendBucket,
)
from bot.db.models.people import (
    DEFAULT_PROMPT_MINUTE,
    DEFAULT_TIMEZONE,
    DEFAULT_WORKDAYS,
    FRIDAY,
    SCHEDULE_INPUTS,
    Member,
    Visibility,
    Workspace,
    _schedule_changed,
)
from bot.db.models.requests import InboxRequest, NoticeMute, NoticeSent, ProcessedEvent
from bot.db.models.reviews import Rater, RatingLevel, ReviewConversation, ReviewRating
from bot.db.models.wins import BragEntry, BragEvidence, EntrySource, GrowthSignal, StuckSession, StuckStatus

__all__ = [
    "BOTS_TABLE",
    "CLAIMABLE",
    "DEFAULT_PROMPT_MINUTE",
    "DEFAULT_TIMEZONE",
    "DEFAULT_WORKDAYS",
    "FRIDAY",
    "HELD",
    "INSTALLATIONS_TABLE",
    "NAMING_CONVENTION",
    "OAUTH_STATES_TABLE",
    "SCHEDULE_INPUTS",
    "SNOOZE_MARK",
    "Base",
    "BragEntry",
    "BragEvidence",
    "ConnectState",
    "ConnectedAccount",
    "DeliveryReason",
    "DeliveryStatus",
    "EntrySource",
    "FoundItem",
    "FoundRole",
    "FoundStatus",
    "GrowthSignal",
    "InboxRequest",
    "Member",
    "NoticeMute",
    "NoticeSent",
    "NudgeDelivery",
    "NudgeKind",
    "ProcessedEvent",
    "Rater",
    "RatingLevel",
    "ReviewConversation",
    "ReviewRating",
    "SendBucket",
    "StuckSession",
    "StuckStatus",
    "Visibility",
    "Workspace",
    "_schedule_changed",
]
