"""Multi-workspace OAuth: install flow, tokens encrypted at rest, isolation, uninstall and revocation."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import quote

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from bot.blocks import ids
from bot.db.engine import Database
from bot.db.models import BOTS_TABLE, INSTALLATIONS_TABLE, Member, Workspace
from bot.deps import Deps
from content import Content
from tests.support.bots import RunningBot, make_settings, start_bot
from tests.support.clock import Clock
from tests.support.driver import block_texts, http_request
from tests.support.fake_slack import FakeSlack
from tests.support.waiting import eventually

KEY = Fernet.generate_key().decode()


@pytest.fixture
def oauth_bot(
    db: Database, fake_slack: FakeSlack, content: Content, clock: Clock, database_url: str
) -> Iterator[RunningBot]:
    settings = make_settings(
        database_url,
        fake_slack.api_url,
        slack_bot_token=None,
        slack_client_id="111.222",
        slack_client_secret="client-secret",
        token_encryption_key=KEY,
    )
    running, server = start_bot(Deps(settings=settings, db=db, content=content, clock=clock), fake_slack, clock)
    yield running
    server.stop()


def install(bot: RunningBot, team: str) -> None:
    bot.fake.tokens[f"xoxb-{team}-token"] = team
    page = http_request(f"{bot.url}/slack/install")
    assert page.status == 200
    state = re.search(r"state=([A-Za-z0-9_.-]+)", page.body.decode())
    assert state is not None, page.body[:300]
    cookie = f"slack-app-oauth-state={state.group(1)}"
    done = http_request(
        f"{bot.url}/slack/oauth_redirect?code={quote(team + ':code')}&state={state.group(1)}",
        headers={"Cookie": cookie},
    )
    assert done.status == 200, done.body[:300]


def test_install_stores_tokens_encrypted_at_rest(oauth_bot: RunningBot) -> None:
    install(oauth_bot, "T0002")
    with oauth_bot.db.engine.connect() as connection:
        stored = connection.execute(select(BOTS_TABLE.c.bot_token).where(BOTS_TABLE.c.team_id == "T0002")).scalar_one()
        installed = connection.execute(
            select(INSTALLATIONS_TABLE.c.bot_token).where(INSTALLATIONS_TABLE.c.team_id == "T0002")
        ).scalar_one()
    for ciphertext in (stored, installed):
        assert "xoxb-T0002-token" not in ciphertext
        assert Fernet(KEY.encode()).decrypt(ciphertext.encode()).decode() == "xoxb-T0002-token"
    assert oauth_bot.built.tokens.bot_token("T0002") == "xoxb-T0002-token"


def test_requests_from_each_workspace_use_its_own_token_and_data(oauth_bot: RunningBot) -> None:
    install(oauth_bot, "T0002")
    install(oauth_bot, "T0003")
    # The same user id in two workspaces (as on Enterprise Grid) is two separate members.
    oauth_bot.slack.command("/stage", "3", user="U0SAME", team="T0002")
    oauth_bot.slack.responses()
    oauth_bot.slack.click(ids.STAGE_SET_MINE, "3", user="U0SAME", team="T0002")
    oauth_bot.slack.responses()
    oauth_bot.slack.command("/stage", "", user="U0SAME", team="T0003")
    assert "haven't set your stage" in block_texts(oauth_bot.slack.responses()[0])
    with oauth_bot.db.transaction() as session:
        rows = session.execute(select(Workspace.team_id, Member.stage).join(Member.workspace)).all()
    assert sorted(rows) == [("T0002", 3), ("T0003", None)]


def test_uninstall_removes_the_workspace_tokens(oauth_bot: RunningBot) -> None:
    install(oauth_bot, "T0002")
    install(oauth_bot, "T0003")
    reply = oauth_bot.slack.event({"type": "app_uninstalled"}, team="T0002")
    assert reply.status == 200
    eventually(lambda: oauth_bot.built.tokens.bot_token("T0002") is None)
    assert oauth_bot.built.tokens.bot_token("T0003") == "xoxb-T0003-token"
    with oauth_bot.db.engine.connect() as connection:
        teams = connection.execute(select(BOTS_TABLE.c.team_id)).scalars().all()
    assert teams == ["T0003"]


def test_revoked_bot_token_is_forgotten(oauth_bot: RunningBot) -> None:
    install(oauth_bot, "T0002")
    oauth_bot.slack.command("/stage", "1", team="T0002")  # enrolls the workspace
    oauth_bot.slack.responses()
    reply = oauth_bot.slack.event({"type": "tokens_revoked", "tokens": {"bot": ["UBOT"], "oauth": []}}, team="T0002")
    assert reply.status == 200
    eventually(lambda: oauth_bot.built.tokens.bot_token("T0002") is None)

    def uninstalled() -> bool:
        with oauth_bot.db.transaction() as session:
            workspace = session.scalars(select(Workspace).where(Workspace.team_id == "T0002")).one()
            return workspace.uninstalled_at is not None

    eventually(uninstalled)


def test_install_page_is_absent_without_oauth(bot: RunningBot) -> None:
    assert http_request(f"{bot.url}/slack/install").status == 404


def test_reinstalling_through_oauth_resumes_service_for_existing_members(oauth_bot: RunningBot) -> None:
    install(oauth_bot, "T0002")
    oauth_bot.slack.command("/stage", "", user="U0OLD", team="T0002")
    oauth_bot.slack.responses()
    assert oauth_bot.slack.event({"type": "app_uninstalled"}, team="T0002").status == 200

    def uninstalled() -> object:
        with oauth_bot.db.transaction() as session:
            return session.scalar(select(Workspace.uninstalled_at).where(Workspace.team_id == "T0002"))

    eventually(lambda: uninstalled() is not None)
    install(oauth_bot, "T0002")  # nobody has used the bot since: the install alone resumes service
    assert uninstalled() is None


def test_an_install_is_stamped_with_the_apps_clock(oauth_bot: RunningBot) -> None:
    oauth_bot.clock.set(datetime(2026, 10, 1, 9, 30, tzinfo=UTC))  # not today: slack_sdk would stamp today
    install(oauth_bot, "T0002")
    with oauth_bot.db.engine.connect() as connection:
        stamps = [
            connection.execute(select(table.c.installed_at).where(table.c.team_id == "T0002")).scalar_one()
            for table in (BOTS_TABLE, INSTALLATIONS_TABLE)
        ]
    for stamp in stamps:
        assert stamp.replace(tzinfo=UTC) == datetime(2026, 10, 1, 9, 30, tzinfo=UTC), stamp
