"""Evidence found for you (issue 27), over signed HTTP against the Slack simulator and the GitHub simulator.

Connect (a real OAuth web flow: state bound to the member, code exchange, ``GET /user``), find a week's items
with the right role, save and skip, never twice, rate limits honoured without a retry loop, revocation,
disconnect, delete-my-data, export and uninstall.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import func, select

from bot.blocks import ids
from bot.db.engine import Database
from bot.db.models import (
    BragEntry,
    ConnectedAccount,
    EntrySource,
    FoundItem,
    FoundStatus,
    Member,
    NudgeDelivery,
    Visibility,
)
from bot.deps import Deps
from bot.services import found, workspaces
from content import Content
from tests.support.bots import RunningBot, make_settings, start_bot
from tests.support.brag import buttons, count, open_home, opened_view
from tests.support.clock import Clock
from tests.support.driver import block_texts
from tests.support.fake_github import CLIENT_ID, CLIENT_SECRET, FakeGitHub, Issue, PullRequest, Review
from tests.support.fake_slack import FakeSlack
from tests.support.nudges import dms, tick, utc
from tests.support.waiting import eventually

KEY = Fernet.generate_key().decode()
NOW = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)
"""Wednesday 18 November 2026, 15:00 UTC (the suite's TEST_NOW)."""


@pytest.fixture
def github(clock: Clock) -> Iterator[FakeGitHub]:
    fake = FakeGitHub(clock).start()
    yield fake
    fake.stop()


def github_settings(database_url: str, slack_url: str, github: FakeGitHub, **extra: object) -> Any:
    return make_settings(
        database_url,
        slack_url,
        github_client_id=CLIENT_ID,
        github_client_secret=CLIENT_SECRET,
        github_base_url=github.base_url,
        github_api_url=github.api_url,
        token_encryption_key=KEY,
        **extra,
    )


@pytest.fixture
def gbot(
    db: Database, fake_slack: FakeSlack, content: Content, clock: Clock, database_url: str, github: FakeGitHub
) -> Iterator[RunningBot]:
    deps = Deps(settings=github_settings(database_url, fake_slack.api_url, github), db=db, content=content, clock=clock)
    running, server = start_bot(deps, fake_slack, clock)
    github.callback_url = running.url + "/github/oauth_callback"
    yield running
    server.stop()


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return int(answer.status), answer.read().decode()
    except urllib.error.HTTPError as error:
        return int(error.code), error.read().decode()


_asked = itertools.count()


def ask(bot: RunningBot, text: str, user: str = "U0001") -> dict[str, Any]:
    name = f"gh-{next(_asked)}"
    bot.slack.command("/coach", text, user=user, response_name=name)
    return bot.slack.responses(name, timeout=10)[0]


def connect_url(bot: RunningBot, user: str = "U0001", private: bool = False) -> str:
    answer = ask(bot, "github connect private" if private else "github connect", user)
    [link] = [b for b in buttons(answer) if b["action_id"] == ids.GITHUB_CONNECT_LINK]
    return str(link["url"])


def connect(
    bot: RunningBot, github: FakeGitHub, login: str = "ana", user: str = "U0001", private: bool = False
) -> None:
    status, page = get(github.approve(connect_url(bot, user, private), login))
    assert status == 200 and f"Connected as @{login}" in page


def member_id(bot: RunningBot, user: str = "U0001") -> int:
    with bot.db.transaction() as session:
        return int(session.scalars(select(Member.id).where(Member.slack_user_id == user)).one())


def account(bot: RunningBot, user: str = "U0001") -> ConnectedAccount | None:
    with bot.db.transaction() as session:
        return session.scalar(select(ConnectedAccount).where(ConnectedAccount.member_id == member_id(bot, user)))


def items(bot: RunningBot) -> list[FoundItem]:
    with bot.db.transaction() as session:
        return list(session.scalars(select(FoundItem).order_by(FoundItem.id)))


def week(github: FakeGitHub) -> None:
    """A week of ana's work among other people's, each case a way attribution goes wrong."""
    day = timedelta(days=1)
    github.user("ana")
    github.user("bo")
    github.pulls += [
        # authored and merged in the window: offered as authored
        PullRequest("Add retries to the payment client", "acme/pay", "ana", merged_at=NOW - 2 * day),
        # authored, closed without merging: never offered
        PullRequest("Try a new cache", "acme/pay", "ana", closed_at=NOW - 2 * day),
        # bo's PR that ana reviewed 3 days ago: offered as a review, dated by her review (Nov 15)
        PullRequest(
            "Migrate billing to the new queue",
            "acme/billing",
            "bo",
            merged_at=NOW - 10 * day,
            reviews=[Review("ana", NOW - 3 * day, "CHANGES_REQUESTED"), Review("ana", NOW - 1 * day)],
        ),
        # bo's PR merged this week that ana reviewed weeks ago: not this week's
        PullRequest(
            "Rename the ledger", "acme/billing", "bo", merged_at=NOW - day, reviews=[Review("ana", NOW - 21 * day)]
        ),
        # ana's own PR with her own comment-review: authored only, never a review of her own work
        PullRequest(
            "Document the deploy",
            "acme/docs",
            "ana",
            merged_at=NOW - 3 * day,
            reviews=[Review("ana", NOW - 3 * day, "COMMENTED"), Review("bo", NOW - 3 * day)],
        ),
        # a private repository: only with the repo scope
        PullRequest("Rotate the signing keys", "acme/secret-infra", "ana", private=True, merged_at=NOW - day),
    ]
    github.issues += [
        Issue("Flaky login test", "acme/web", {"ana", "bo"}, closed_at=NOW - 2 * day, closed_by="ana"),
        # ana commented, bo closed: not hers
        Issue("Slow search page", "acme/web", {"ana", "bo"}, closed_at=NOW - 2 * day, closed_by="bo"),
    ]


# -- off, connect -------------------------------------------------------------------------------------------


def test_without_settings_github_says_it_is_off(bot: RunningBot) -> None:
    answer = ask(bot, "github connect")
    assert "GitHub is off in this workspace" in block_texts(answer)
    assert "GITHUB_CLIENT_ID" in block_texts(answer)


def test_connect_proves_the_login_and_keeps_the_token_encrypted(gbot: RunningBot, github: FakeGitHub) -> None:
    assert "not connected" in block_texts(ask(gbot, "github"))
    url = connect_url(gbot)
    assert "scope=" not in url  # public data only: no scope asked for
    callback = github.approve(url, "ana")
    status, page = get(callback)
    assert status == 200 and "Connected as @ana" in page
    assert [c.path for c in github.api_calls()] == ["/api/v3/user"]  # the login is proven, not taken from the URL

    stored = account(gbot)
    assert stored is not None and stored.login == "ana" and stored.scopes == ""
    [token] = github.live_tokens("ana")
    assert token not in stored.token_ciphertext
    assert Fernet(KEY.encode()).decrypt(stored.token_ciphertext.encode()).decode() == token
    assert "Connected to GitHub as *@ana* (public repositories only)" in block_texts(ask(gbot, "github"))

    # The state is used once; a forged one names nobody.
    assert get(callback)[0] == 400
    assert get(callback.replace("state=", "state=x"))[0] == 400
    assert len(github.live_tokens("ana")) == 1


def test_home_offers_to_connect_until_an_account_is_connected(gbot: RunningBot, github: FakeGitHub) -> None:
    ask(gbot, "github")  # enrolled
    home = open_home(gbot)
    assert [b["text"]["text"] for b in buttons(home) if b["action_id"] == ids.HOME_GITHUB_CONNECT] == ["Connect GitHub"]
    before = count(gbot.fake, "views.open")
    assert gbot.slack.click(ids.HOME_GITHUB_CONNECT, user="U0001").status == 200
    view = opened_view(gbot, before)
    [link] = [b for b in buttons(view) if b["action_id"] == ids.GITHUB_CONNECT_LINK]
    status, page = get(github.approve(str(link["url"]), "ana"))  # the modal's link is a working one
    assert status == 200 and "Connected as @ana" in page
    assert not [b for b in buttons(open_home(gbot)) if b["action_id"] == ids.HOME_GITHUB_CONNECT]


def test_home_offers_nothing_when_github_is_off(bot: RunningBot) -> None:
    bot.slack.command("/stage", "")
    assert not [b for b in buttons(open_home(bot)) if b["action_id"] == ids.HOME_GITHUB_CONNECT]


def test_connect_link_expires_and_cancel_connects_nothing(gbot: RunningBot, github: FakeGitHub, clock: Clock) -> None:
    status, page = get(github.deny(connect_url(gbot)))
    assert status == 200 and "Nothing was connected" in page and account(gbot) is None

    url = connect_url(gbot)
    callback = github.approve(url, "ana")
    clock.advance(minutes=11)
    status, page = get(callback)
    assert status == 400 and "older than 10 minutes" in page and account(gbot) is None


def test_connect_private_asks_for_repo_and_reads_private_repositories(gbot: RunningBot, github: FakeGitHub) -> None:
    week(github)
    url = connect_url(gbot, private=True)
    assert "scope=repo" in url
    status, _ = get(github.approve(url, "ana"))
    assert status == 200
    shown = block_texts(ask(gbot, "github find"))
    assert "Rotate the signing keys" in shown and "acme/secret-infra" in shown

    [private_item] = [item for item in items(gbot) if item.private]
    gbot.slack.click(ids.FOUND_SAVE, str(private_item.id), response_name="save-private")
    gbot.slack.responses("save-private", count=2)
    with gbot.db.transaction() as session:
        entry = session.scalars(select(BragEntry)).one()
        # A private repository's work is saved as a private win, and its text does not name the repository.
        assert entry.visibility is Visibility.PRIVATE and "secret-infra" not in entry.what


# -- finding, role attribution ------------------------------------------------------------------------------


def test_find_offers_only_the_members_own_actions_with_their_role(gbot: RunningBot, github: FakeGitHub) -> None:
    week(github)
    connect(gbot, github)
    answer = ask(gbot, "github find")
    shown = block_texts(answer)
    assert "Add retries to the payment client</" not in shown  # titles are link text, not raw markup
    lines = [block["text"]["text"] for block in answer["blocks"] if block["type"] == "section"]
    assert len(lines) == 4, lines
    by_title = {line.split("|", 1)[1].split(">", 1)[0]: line for line in lines}
    assert "(merged, you authored)" in by_title["Add retries to the payment client"]
    assert "(merged, you authored)" in by_title["Document the deploy"]
    # reviewed, not authored: a review, dated by her first review in the window (Nov 15), not the PR's merge
    assert "(you reviewed it Nov 15)" in by_title["Migrate billing to the new queue"]
    assert "(you closed it Nov 16)" in by_title["Flaky login test"]
    for absent in ("Try a new cache", "Rename the ledger", "Slow search page", "Rotate the signing keys"):
        assert absent not in shown
    assert sorted(item.role.value for item in items(gbot)) == ["authored", "authored", "closed", "reviewed"]
    for button in buttons(answer):
        assert button["action_id"] in {ids.FOUND_SAVE, ids.FOUND_SKIP}
    # No counts: nothing like "4 items" or a streak in what is shown.
    assert "4" not in answer["text"] and "streak" not in shown.lower()


def test_a_renamed_login_keeps_working_with_the_right_roles_and_is_shown_by_its_new_name(
    gbot: RunningBot, github: FakeGitHub
) -> None:
    week(github)
    connect(gbot, github)
    assert "Add retries to the payment client" in block_texts(ask(gbot, "github find"))
    before = account(gbot)
    assert before is not None and before.login == "ana"
    # ana renames her account on GitHub; someone else takes "ana" and ships, reviews and closes things too.
    github.rename("ana", "ana-h")
    github.user("ana")
    hour = timedelta(hours=1)
    github.pulls += [
        PullRequest("Ship after the rename", "acme/pay", "ana-h", merged_at=NOW - hour),
        PullRequest(
            "Tune the cache", "acme/pay", "bo", merged_at=NOW - hour, reviews=[Review("ana-h", NOW - 2 * hour)]
        ),
        PullRequest("The new ana's change", "acme/web", "ana", merged_at=NOW - hour),
        PullRequest("Reviewed by the new ana", "acme/web", "bo", reviews=[Review("ana", NOW - hour)]),
    ]
    github.issues.append(
        Issue("Closed by the new ana", "acme/web", {"ana", "ana-h"}, closed_at=NOW - hour, closed_by="ana")
    )
    shown = block_texts(ask(gbot, "github find"))
    assert "Ship after the rename" in shown and "Tune the cache" in shown
    assert "new ana" not in shown
    roles = {item.title: item.role.value for item in items(gbot)}
    assert roles["Ship after the rename"] == "authored" and roles["Tune the cache"] == "reviewed"
    assert not [title for title in roles if "new ana" in title]
    after = account(gbot)
    assert after is not None and after.login == "ana-h" and after.external_id == before.external_id
    assert "@ana-h" in block_texts(ask(gbot, "github"))


def test_a_token_that_answers_for_another_account_reads_nothing_and_disconnects(
    gbot: RunningBot, github: FakeGitHub
) -> None:
    week(github)
    connect(gbot, github)
    with gbot.db.transaction() as session:
        stored = session.scalars(select(ConnectedAccount)).one()
        stored.external_id = "999999"  # not the id GitHub gives the token's owner
    answer = ask(gbot, "github find")
    assert "no longer accepts my access" in block_texts(answer)
    assert account(gbot) is None and items(gbot) == []


def test_save_makes_an_ordinary_win_skip_hides_for_good_and_nothing_is_offered_twice(
    gbot: RunningBot, github: FakeGitHub, clock: Clock
) -> None:
    week(github)
    connect(gbot, github)
    answer = ask(gbot, "github find")
    saves = [b for b in buttons(answer) if b["action_id"] == ids.FOUND_SAVE]
    skips = [b for b in buttons(answer) if b["action_id"] == ids.FOUND_SKIP]

    gbot.slack.click(ids.FOUND_SAVE, saves[0]["value"], response_name="save")
    replaced, card = gbot.slack.responses("save", count=2)
    assert replaced["replace_original"] is True and "Saved as a win." in block_texts(replaced)
    assert len([b for b in buttons(replaced) if b["action_id"] == ids.FOUND_SAVE]) == 3  # the rest stay offered
    assert card["replace_original"] is False
    with gbot.db.transaction() as session:
        entry = session.scalars(select(BragEntry)).one()
        assert entry.source is EntrySource.FOUND and entry.link and entry.link.startswith("https://github.example.com/")
        # Oldest first: the PR merged 3 days ago leads.
        assert entry.what == "Shipped Document the deploy in acme/docs (my pull request, merged)"
        assert entry.evidence_keys == []  # nothing counts until confirmed: a suggestion at most

    # A second tap (or another replica's) saves nothing more.
    gbot.slack.click(ids.FOUND_SAVE, saves[0]["value"], response_name="again")
    assert "Already done." in block_texts(gbot.slack.responses("again")[0])
    gbot.slack.click(ids.FOUND_SKIP, skips[1]["value"], response_name="skip")
    assert "won't be offered again" in block_texts(gbot.slack.responses("skip")[0])
    with gbot.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(BragEntry)) == 1
    # Someone else's click on my item changes nothing.
    gbot.slack.click(ids.FOUND_SKIP, skips[2]["value"], user="U0002", response_name="theirs")
    gbot.slack.responses("theirs")
    statuses = [item.status for item in items(gbot)]
    assert statuses.count(FoundStatus.SAVED) == 1 and statuses.count(FoundStatus.SKIPPED) == 1

    # The next runs find the same work again and offer none of it.
    clock.advance(minutes=5)
    assert "Nothing new on GitHub" in block_texts(ask(gbot, "github find"))
    clock.advance(days=1)
    assert "Nothing new on GitHub" in block_texts(ask(gbot, "github find"))
    assert len(items(gbot)) == 4


def test_two_replicas_finding_at_once_store_and_offer_each_item_once(
    gbot: RunningBot, github: FakeGitHub, database_url: str
) -> None:
    week(github)
    connect(gbot, github)
    me = member_id(gbot)
    replicas = [Database.from_url(database_url) for _ in range(2)]
    barrier, offers = threading.Barrier(2), []

    def run(database: Database, second: int) -> None:
        barrier.wait()
        now = NOW + timedelta(seconds=second)
        offers.append(found.find_now(database, gbot.deps.settings, gbot.deps.content, me, now))

    threads = [threading.Thread(target=run, args=(database, n)) for n, database in enumerate(replicas)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        for database in replicas:
            database.dispose()
    offered = [item.id for offer in offers for item in offer.items]
    assert len(offered) == 4 and len(set(offered)) == 4, offers
    assert len(items(gbot)) == 4


# -- the weekly message -------------------------------------------------------------------------------------


def test_the_weekly_message_follows_the_prompt_and_runs_once(
    gbot: RunningBot, github: FakeGitHub, clock: Clock
) -> None:
    week(github)
    clock.set(utc(2026, 11, 16, 12))  # connected on Monday
    connect(gbot, github)
    # Friday 16:00 in New York is 21:00 UTC; the found message is due 5 minutes after the prompt.
    with gbot.db.transaction() as session:
        session.get(Member, member_id(gbot)).timezone = "America/New_York"  # type: ignore[union-attr]
    friday = utc(2026, 11, 20, 21, 5)
    github.pulls.append(PullRequest("Ship the weekly export", "acme/pay", "ana", merged_at=utc(2026, 11, 20, 18)))
    clock.set(friday)
    tick(gbot.deps, friday)
    found_dms = [p for p in dms(gbot.fake, "U0001") if "Found on GitHub" in str(p.get("text"))]
    assert len(found_dms) == 1
    text = json.dumps(found_dms[0]["blocks"])
    # The window ends at the message's due time: the 7 days before Friday 21:05 UTC.
    assert "Ship the weekly export" in text and "Add retries to the payment client" in text
    calls = len(github.api_calls("/api/graphql"))
    tick(gbot.deps, friday)
    tick(gbot.deps, friday + timedelta(minutes=10))
    assert len([p for p in dms(gbot.fake, "U0001") if "Found on GitHub" in str(p.get("text"))]) == 1
    assert len(github.api_calls("/api/graphql")) == calls  # one query a member a week


# -- rate limits --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [403, 429])
def test_a_secondary_limit_with_retry_after_is_waited_out(
    gbot: RunningBot, github: FakeGitHub, clock: Clock, status: int
) -> None:
    week(github)
    connect(gbot, github)
    github.limit_next(status=status, retry_after=120)
    assert "asked me to wait" in block_texts(ask(gbot, "github find"))
    calls = len(github.api_calls())
    clock.advance(seconds=60)
    assert "asked me to wait" in block_texts(ask(gbot, "github find"))
    assert len(github.api_calls()) == calls  # not called again before Retry-After
    clock.advance(seconds=61)
    assert "Add retries to the payment client" in block_texts(ask(gbot, "github find"))


def test_a_secondary_limit_without_headers_waits_a_minute(gbot: RunningBot, github: FakeGitHub, clock: Clock) -> None:
    week(github)
    connect(gbot, github)
    github.limit_next(status=403)
    assert "asked me to wait" in block_texts(ask(gbot, "github find"))
    stored = account(gbot)
    assert stored is not None and stored.wait_until == clock() + timedelta(seconds=60)


def test_a_spent_budget_waits_for_the_reset_and_the_weekly_row_is_deferred(
    gbot: RunningBot, github: FakeGitHub, clock: Clock
) -> None:
    week(github)
    clock.set(utc(2026, 11, 16, 12))
    connect(gbot, github)
    github.hourly_points = 1  # GET /user spent it
    friday = utc(2026, 11, 20, 21, 5)
    with gbot.db.transaction() as session:
        session.get(Member, member_id(gbot)).timezone = "America/New_York"  # type: ignore[union-attr]
    clock.set(friday)
    reset = datetime.fromtimestamp(int(clock().timestamp()) + 3600, UTC)
    tick(gbot.deps, friday)  # the reset of Monday's window has passed: a fresh budget of 1, spent by this query
    tick(gbot.deps, friday + timedelta(minutes=1))
    assert len([p for p in dms(gbot.fake, "U0001") if "Found on GitHub" in str(p.get("text"))]) == 1
    # A find now meets the spent budget: the token's reset is honoured, GitHub is not called.
    calls = len(github.api_calls())
    assert "asked me to wait" in block_texts(ask(gbot, "github find"))
    assert len(github.api_calls()) == calls
    stored = account(gbot)
    assert stored is not None and stored.wait_until == reset


def test_the_weekly_row_waits_for_retry_after_without_sleeping(
    gbot: RunningBot, github: FakeGitHub, clock: Clock
) -> None:
    week(github)
    clock.set(utc(2026, 11, 16, 12))
    connect(gbot, github)
    with gbot.db.transaction() as session:
        session.get(Member, member_id(gbot)).timezone = "America/New_York"  # type: ignore[union-attr]
    friday = utc(2026, 11, 20, 21, 5)
    clock.set(friday)
    github.limit_next(status=429, retry_after=600)
    started = time.monotonic()
    tick(gbot.deps, friday)
    assert time.monotonic() - started < 30  # the tick did not sleep 600 s
    with gbot.db.transaction() as session:
        row = session.scalars(select(NudgeDelivery).where(NudgeDelivery.kind == "found_this_week")).one()
        # The tick's clock is its instant plus the time it has run (a few ms here).
        wait = row.next_attempt_at - friday
        assert row.status.value == "due" and timedelta(seconds=600) <= wait < timedelta(seconds=605)
    tick(gbot.deps, friday + timedelta(minutes=5))
    assert not [p for p in dms(gbot.fake, "U0001") if "Found on GitHub" in str(p.get("text"))]
    tick(gbot.deps, friday + timedelta(minutes=11))
    assert len([p for p in dms(gbot.fake, "U0001") if "Found on GitHub" in str(p.get("text"))]) == 1


# -- revoke, disconnect, delete, export, uninstall ----------------------------------------------------------


def test_a_revoked_token_disconnects_with_one_line(gbot: RunningBot, github: FakeGitHub) -> None:
    week(github)
    connect(gbot, github)
    github.revoke("ana")
    answer = ask(gbot, "github find")
    assert "GitHub no longer accepts my access to your account (@ana), so I disconnected it" in block_texts(answer)
    assert len(answer["blocks"]) == 1
    assert account(gbot) is None
    assert "GitHub is not connected." in block_texts(ask(gbot, "github"))


def test_a_revoked_token_in_the_weekly_run_tells_the_member(gbot: RunningBot, github: FakeGitHub, clock: Clock) -> None:
    clock.set(utc(2026, 11, 16, 12))
    connect(gbot, github)
    with gbot.db.transaction() as session:
        session.get(Member, member_id(gbot)).timezone = "America/New_York"  # type: ignore[union-attr]
    github.revoke("ana")
    friday = utc(2026, 11, 20, 21, 5)
    clock.set(friday)
    tick(gbot.deps, friday)
    notes = [p for p in dms(gbot.fake, "U0001") if "no longer accepts" in str(p.get("text"))]
    assert len(notes) == 1 and account(gbot) is None


def test_disconnect_forgets_the_token_and_revokes_the_grant(gbot: RunningBot, github: FakeGitHub) -> None:
    connect(gbot, github)
    assert github.live_tokens("ana")
    assert "Disconnected @ana" in block_texts(ask(gbot, "github disconnect"))
    assert account(gbot) is None and github.live_tokens("ana") == []
    assert "GitHub was not connected." in block_texts(ask(gbot, "github disconnect"))


def test_export_lists_accounts_without_tokens_and_found_items(gbot: RunningBot, github: FakeGitHub) -> None:
    week(github)
    connect(gbot, github)
    ask(gbot, "github find")
    [token] = github.live_tokens("ana")
    gbot.slack.command("/coach", "export", response_name="export")
    gbot.slack.responses("export", count=2, timeout=10)
    [complete] = gbot.fake.calls_to("files.completeUploadExternal")
    files = complete.params["files"]
    files = json.loads(files) if isinstance(files, str) else files
    texts = [gbot.fake.uploads[file["id"]].decode() for file in files]
    [document] = [json.loads(text) for text in texts if text.lstrip().startswith("{")]
    assert [a["login"] for a in document["connected_accounts"]] == ["ana"]
    assert sorted(i["title"] for i in document["found_items"]) == sorted(
        [
            "Add retries to the payment client",
            "Document the deploy",
            "Migrate billing to the new queue",
            "Flaky login test",
        ]
    )
    assert all(token not in text for text in texts)
    stored = account(gbot)
    assert stored is not None and all(stored.token_ciphertext not in text for text in texts)


def test_delete_my_data_removes_the_token_and_found_items(gbot: RunningBot, github: FakeGitHub) -> None:
    week(github)
    connect(gbot, github)
    ask(gbot, "github find")
    assert items(gbot)
    gbot.slack.click(ids.DELETE_MY_DATA_CONFIRM, str(member_id(gbot)), response_name="confirm")
    assert "I hold nothing about you now" in block_texts(gbot.slack.responses("confirm")[0])
    with gbot.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(ConnectedAccount)) == 0
        assert session.scalar(select(func.count()).select_from(FoundItem)) == 0


def test_uninstall_removes_tokens_at_once_and_found_items_with_the_purge(
    gbot: RunningBot, github: FakeGitHub, clock: Clock
) -> None:
    week(github)
    connect(gbot, github)
    ask(gbot, "github find")
    assert gbot.slack.event({"type": "app_uninstalled"}).status == 200

    def gone() -> bool:
        with gbot.db.transaction() as session:
            return session.scalar(select(func.count()).select_from(ConnectedAccount)) == 0

    eventually(gone)
    assert items(gbot)  # kept for the retention period, like the wins (a reinstall resumes)
    purged = workspaces.purge_expired(gbot.db, clock() + timedelta(days=31), timedelta(days=30))
    assert [p.team_id for p in purged] == ["T0001"] and items(gbot) == []


def test_the_state_binds_the_connection_to_the_member_who_asked(gbot: RunningBot, github: FakeGitHub) -> None:
    mine, theirs = connect_url(gbot, "U0001"), connect_url(gbot, "U0002")
    assert get(github.approve(theirs, "bo"))[0] == 200
    assert get(github.approve(mine, "ana"))[0] == 200
    first, second = account(gbot, "U0001"), account(gbot, "U0002")
    assert first is not None and first.login == "ana"
    assert second is not None and second.login == "bo"


def test_titles_are_escaped_and_a_long_week_is_offered_ten_at_a_time(gbot: RunningBot, github: FakeGitHub) -> None:
    github.user("ana")
    github.pulls.append(
        PullRequest("Stop <!channel> pings & <@U0002> mentions", "acme/pay", "ana", merged_at=NOW - timedelta(hours=1))
    )
    for number in range(12):
        merged_at = NOW - timedelta(days=2, minutes=number)
        github.pulls.append(PullRequest(f"Small fix {number}", "acme/pay", "ana", merged_at=merged_at))
    connect(gbot, github)
    first = ask(gbot, "github find")
    assert len([b for b in buttons(first) if b["action_id"] == ids.FOUND_SAVE]) == 10
    second = ask(gbot, "github find")  # oldest first: the newest three, the escaped title among them
    assert len([b for b in buttons(second) if b["action_id"] == ids.FOUND_SAVE]) == 3
    shown = json.dumps(second["blocks"])
    assert "<!channel>" not in shown and "Stop &lt;!channel&gt; pings &amp; &lt;@U0002&gt; mentions" in shown
    offered = [b["value"] for answer in (first, second) for b in buttons(answer) if b["action_id"] == ids.FOUND_SAVE]
    assert len(set(offered)) == 13
    assert "Nothing new on GitHub" in block_texts(ask(gbot, "github find"))


def test_the_suggestion_comes_from_the_title_and_a_review_gets_none(
    gbot: RunningBot, github: FakeGitHub, content: Content
) -> None:
    github.user("ana")
    github.user("bo")
    two_days_ago = NOW - timedelta(days=2)
    github.pulls += [
        PullRequest("Reduce CI build time by caching dependencies", "acme/ci", "ana", merged_at=two_days_ago),
        PullRequest("Bump lodash to 4.17.21 in the payment client", "acme/pay", "ana", merged_at=two_days_ago),
        PullRequest(
            "Reduce CI flakiness by caching dependencies",
            "acme/ci",
            "bo",
            merged_at=two_days_ago,
            reviews=[Review("ana", two_days_ago)],
        ),
    ]
    connect(gbot, github)
    answer = ask(gbot, "github find")
    lines = {
        line.split("|", 1)[1].split(">", 1)[0] + line.split("(", 1)[1][:6]: line
        for line in (block["text"]["text"] for block in answer["blocks"] if block["type"] == "section")
    }
    label = content.evidence_label("t-own-what-slows-others")
    assert label is not None
    authored = lines["Reduce CI build time by caching dependenciesmerged"]
    assert f"looks like: _{label}_" in authored
    assert "looks like" not in lines["Bump lodash to 4.17.21 in the payment clientmerged"]  # the ranker abstains
    assert "looks like" not in lines["Reduce CI flakiness by caching dependenciesyou re"]  # a review: none
    with gbot.db.transaction() as session:
        assert session.scalars(select(Member.stage)).one() is None
