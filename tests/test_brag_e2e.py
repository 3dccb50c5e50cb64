"""``/win``, the win modal and the "Save as win" shortcut over signed HTTP against the fake Web API."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.blocks import ids
from bot.db.models import Member, Visibility
from bot.services.brag import MAX_IMPACT, MAX_WHAT
from tests.support.bots import RunningBot
from tests.support.brag import (
    button_values,
    count,
    element,
    entries,
    open_home,
    opened_view,
    published_home,
    quick_win,
    win_values,
)
from tests.support.driver import block_texts

# -- quick /win --------------------------------------------------------------------------------


def test_quick_win_saves_at_once_and_offers_add_detail(bot: RunningBot) -> None:
    response = quick_win(bot, "Cut the deploy pipeline from 40 to 12 minutes")
    [entry] = entries(bot)
    assert entry.what == "Cut the deploy pipeline from 40 to 12 minutes"
    assert entry.source == "command" and entry.visibility == "private"
    text = block_texts(response)
    assert "Saved to your brag document" in text and "Cut the deploy pipeline" in text
    assert "Only you can see it" in text
    assert button_values(response, ids.WIN_ADD_DETAIL) == [str(entry.id)]
    assert response.get("response_type", "ephemeral") == "ephemeral"
    assert "Cut the deploy pipeline from 40 to 12 minutes" in block_texts(open_home(bot))


def test_quick_win_escapes_user_text_everywhere(bot: RunningBot) -> None:
    response = quick_win(bot, "<!channel> fixed <@U0BOSS> & the <https://evil.example|login>")
    text = block_texts(response)
    assert "<!channel>" not in text and "<@U0BOSS>" not in text
    # Slack's markup is stored as a person reads it (issue #23), and escaped wherever it is shown.
    assert "@channel fixed @U0BOSS &amp; the login (https://evil.example)" in text
    home = block_texts(open_home(bot))
    assert "<!channel>" not in home and "@channel fixed" in home
    assert "link_names" not in response


def test_quick_win_takes_slack_escaped_text_once(bot: RunningBot) -> None:
    quick_win(bot, "a &lt;b&gt; &amp; c")
    [entry] = entries(bot)
    assert entry.what == "a <b> & c"


def test_overlong_quick_win_saves_nothing_and_gives_every_character_back(bot: RunningBot) -> None:
    long_text = ("Led the migration & wrote <the> runbook. " * 80).strip()
    assert len(long_text) > MAX_WHAT
    bot.slack.command("/win", long_text)
    [response] = bot.slack.responses()
    assert entries(bot) == []
    text = block_texts(response)
    assert f"{len(long_text):,} characters" in text and f"{MAX_WHAT:,}" in text
    assert "Nothing was saved" in text
    echoed = "".join(
        b["text"]["text"].removeprefix("```").removesuffix("```")
        for b in response["blocks"]
        if b["type"] == "section" and b["text"]["text"].startswith("```")
    )
    assert echoed == long_text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert button_values(response, ids.WIN_OPEN_MODAL) == [""]


def test_win_help_explains_instead_of_saving(bot: RunningBot) -> None:
    bot.slack.command("/win", "help")
    text = block_texts(bot.slack.responses()[0])
    assert "/win shipped" in text and "Save as win" in text
    assert entries(bot) == []


# -- the modal -----------------------------------------------------------------------------------


def test_bare_win_opens_the_modal_and_its_submission_is_stored(bot: RunningBot) -> None:
    bot.slack.command("/stage", "2")
    bot.slack.responses()
    bot.slack.click(ids.STAGE_SET_MINE, "2")
    bot.slack.responses()

    before = count(bot.fake, "views.open")
    bot.slack.command("/win", "", response_name="bare")
    view = opened_view(bot, before, trigger="trigger-bare")
    assert view["callback_id"] == ids.WIN_MODAL
    for block_id in (ids.WIN_WHAT_BLOCK, ids.WIN_IMPACT_BLOCK, ids.WIN_LESSON_BLOCK, ids.WIN_LINK_BLOCK):
        assert element(view, block_id)["max_length"] > 0
    evidence = element(view, ids.WIN_EVIDENCE_BLOCK)
    labels = [g["label"]["text"] for g in evidence["option_groups"]]
    assert labels == ["Stage 2 exit criteria", "Stage 3 exit criteria (next)", "Growth tactics"]
    assert element(view, ids.WIN_VISIBILITY_BLOCK)["initial_option"]["value"] == "private"

    criterion = bot.deps.content.stage(2).exit_criteria[0]
    before_publish = count(bot.fake, "views.publish")
    reply = bot.slack.submit_view(
        view,
        win_values(
            what="Owned the billing export end to end",
            impact="Finance closes the month 2 days faster",
            lesson="Loop in support earlier",
            link="https://github.com/acme/billing/pull/42",
            evidence=[criterion.key, "t-make-work-legible"],
            visibility="manager",
        ),
    )
    assert reply.status == 200
    answer = reply.json()
    assert answer["response_action"] == "update" and "Saved" in block_texts(answer["view"])
    [entry] = entries(bot)
    assert (entry.what, entry.impact, entry.lesson) == (
        "Owned the billing export end to end",
        "Finance closes the month 2 days faster",
        "Loop in support earlier",
    )
    assert entry.link == "https://github.com/acme/billing/pull/42"
    assert sorted(entry.evidence_keys) == sorted([criterion.key, "t-make-work-legible"])
    assert entry.visibility == "manager" and entry.source == "modal"

    home = published_home(bot.fake, "U0001", before_publish)
    text = block_texts(home)
    assert "Owned the billing export end to end" in text
    assert "Finance closes the month 2 days faster" in text
    assert f":white_check_mark: {criterion.text}" in text


def test_modal_errors_are_field_specific_and_nothing_is_saved(bot: RunningBot) -> None:
    before = count(bot.fake, "views.open")
    bot.slack.click(ids.WIN_OPEN_MODAL)
    view = opened_view(bot, before)

    reply = bot.slack.submit_view(view, win_values(what="Shipped it", link="javascript:alert(1)"))
    assert reply.json() == {
        "response_action": "errors",
        "errors": {ids.WIN_LINK_BLOCK: "Links need to start with https:// (or http://)."},
    }
    # A client that ignores max_length is stopped by the server.
    reply = bot.slack.submit_view(view, win_values(what="Shipped it", impact="x" * (MAX_IMPACT + 1)))
    assert reply.json()["response_action"] == "errors"
    assert list(reply.json()["errors"]) == [ids.WIN_IMPACT_BLOCK]
    reply = bot.slack.submit_view(view, win_values(what="Shipped it", evidence=["s9-made-up"]))
    assert list(reply.json()["errors"]) == [ids.WIN_EVIDENCE_BLOCK]
    reply = bot.slack.submit_view(view, win_values(what="   "))
    assert list(reply.json()["errors"]) == [ids.WIN_WHAT_BLOCK]
    reply = bot.slack.submit_view(view, win_values(what="Shipped it", visibility="everyone"))
    assert list(reply.json()["errors"]) == [ids.WIN_VISIBILITY_BLOCK]
    assert entries(bot) == []


def test_modal_starts_with_the_default_visibility_from_settings(bot: RunningBot) -> None:
    bot.slack.command("/stage")
    bot.slack.responses()
    with bot.db.transaction() as session:
        me = session.scalars(select(Member)).one()
        me.default_visibility = Visibility.MANAGER
        me.manager_slack_user_id = "UMGR"
    before = count(bot.fake, "views.open")
    bot.slack.click(ids.WIN_OPEN_MODAL)
    view = opened_view(bot, before)
    assert element(view, ids.WIN_VISIBILITY_BLOCK)["initial_option"]["value"] == "manager"
    quick_win(bot, "Paired with the new hire all week")
    assert entries(bot)[0].visibility == "manager"


def test_weekly_prompt_button_opens_the_win_modal(bot: RunningBot) -> None:
    before = count(bot.fake, "views.open")
    bot.slack.click(ids.PROMPT_RECORD_WIN, "", response_name="prompt")
    view = opened_view(bot, before, trigger="trigger-prompt")
    assert view["callback_id"] == ids.WIN_MODAL and view["title"]["text"] == "Record a win"


def test_modal_without_a_stage_offers_every_stage_and_says_why(bot: RunningBot) -> None:
    before = count(bot.fake, "views.open")
    bot.slack.click(ids.WIN_OPEN_MODAL)
    view = opened_view(bot, before)
    groups = element(view, ids.WIN_EVIDENCE_BLOCK)["option_groups"]
    assert len(groups) == 6
    block = next(b for b in view["blocks"] if b.get("block_id") == ids.WIN_EVIDENCE_BLOCK)
    assert "/stage" in block["hint"]["text"]


# -- add detail / edit -----------------------------------------------------------------------------


def test_add_detail_opens_the_entry_and_saves_the_edit(bot: RunningBot) -> None:
    response = quick_win(bot, "Fixed the flaky checkout test")
    [entry_id] = button_values(response, ids.WIN_ADD_DETAIL)
    before = count(bot.fake, "views.open")
    bot.slack.click(ids.WIN_ADD_DETAIL, entry_id, response_name="detail")
    view = opened_view(bot, before, trigger="trigger-detail")
    assert view["title"]["text"] == "Edit win"
    assert element(view, ids.WIN_WHAT_BLOCK)["initial_value"] == "Fixed the flaky checkout test"
    assert json.loads(view["private_metadata"])["entry"] == int(entry_id)

    before_publish = count(bot.fake, "views.publish")
    reply = bot.slack.submit_view(
        view,
        win_values(
            what="Fixed the flaky checkout test", impact="CI green rate 80% → 99%", evidence=["t-own-what-slows-others"]
        ),
    )
    assert reply.status == 200 and not reply.body
    [entry] = entries(bot)
    assert entry.impact == "CI green rate 80% → 99%" and entry.evidence_keys == ["t-own-what-slows-others"]
    assert entry.source == "command"
    assert "CI green rate 80% → 99%" in block_texts(published_home(bot.fake, "U0001", before_publish))


def test_another_user_cannot_open_or_submit_an_edit_of_my_win(bot: RunningBot) -> None:
    response = quick_win(bot, "My private win")
    [entry_id] = button_values(response, ids.WIN_ADD_DETAIL)
    before = count(bot.fake, "views.open")
    bot.slack.click(ids.WIN_ADD_DETAIL, entry_id, user="U0002", response_name="steal")
    refusal = bot.slack.responses("steal")[0]
    assert "isn't in your brag document" in block_texts(refusal)
    assert "My private win" not in json.dumps(refusal)
    assert count(bot.fake, "views.open") == before

    # A forged submission carrying my entry id changes nothing.
    forged = {
        "type": "modal",
        "callback_id": ids.WIN_MODAL,
        "private_metadata": json.dumps({"entry": int(entry_id), "source": "modal", "credit": None}),
        "blocks": [],
    }
    reply = bot.slack.submit_view(forged, win_values(what="Hijacked", visibility="manager"), user="U0002")
    assert reply.json()["response_action"] == "errors"
    [entry] = entries(bot)
    assert entry.what == "My private win" and entry.visibility == "private"


# -- the message shortcut ------------------------------------------------------------------------


def test_save_as_win_prefills_text_and_permalink_and_credits_the_author(bot: RunningBot) -> None:
    message = {
        "type": "message",
        "user": "U0THANKS",
        "ts": "1700000000.000100",
        "text": "Huge thanks to <@U0001> for rescuing the launch &amp; writing <https://wiki.example/x|the runbook>!",
    }
    before = count(bot.fake, "views.open")
    bot.slack.message_shortcut(ids.SHORTCUT_SAVE_AS_WIN, message, channel="C0TEAM")
    view = opened_view(bot, before)
    [permalink_call] = bot.fake.calls_to("chat.getPermalink")
    assert permalink_call.params["channel"] == "C0TEAM"
    assert permalink_call.params["message_ts"] == "1700000000.000100"
    what = element(view, ids.WIN_WHAT_BLOCK)["initial_value"]
    assert what.startswith(
        # The mention as the name Slack has for U0001 (users.info), not the raw <@U0001> (issue #23).
        "Huge thanks to @Person U0001 for rescuing the launch & writing the runbook (https://wiki.example/x)"
    )
    link = element(view, ids.WIN_LINK_BLOCK)["initial_value"]
    assert link.startswith("https://test.slack.com/archives/C0TEAM/p")
    assert "From <@U0THANKS>'s message" in block_texts(view)

    before_publish = count(bot.fake, "views.publish")
    bot.slack.submit_view(view, win_values(what=what, link=link, impact="Launch shipped on time"))
    [entry] = entries(bot)
    assert entry.source == "shortcut" and entry.credited_user_id == "U0THANKS" and entry.link == link
    home = published_home(bot.fake, "U0001", before_publish)
    assert "from <@U0THANKS>'s message" in block_texts(home)
    assert "Launch shipped on time" in block_texts(home)


def test_save_as_win_on_my_own_message_credits_nobody(bot: RunningBot) -> None:
    long_text = "Wrote the incident review. " * 200
    message = {"type": "message", "user": "U0001", "ts": "1700000000.000200", "text": long_text}
    before = count(bot.fake, "views.open")
    bot.slack.message_shortcut(ids.SHORTCUT_SAVE_AS_WIN, message)
    view = opened_view(bot, before)
    metadata = json.loads(view["private_metadata"])
    assert metadata == {"entry": None, "source": "shortcut", "credit": None}
    assert len(element(view, ids.WIN_WHAT_BLOCK)["initial_value"]) <= MAX_WHAT


def test_save_as_win_still_opens_when_the_permalink_fails(bot: RunningBot) -> None:
    bot.fake.error_next("chat.getPermalink", "channel_not_found")
    before = count(bot.fake, "views.open")
    message = {"type": "message", "user": "U0002", "ts": "1.2", "text": "nice work"}
    bot.slack.message_shortcut(ids.SHORTCUT_SAVE_AS_WIN, message)
    view = opened_view(bot, before)
    assert "initial_value" not in element(view, ids.WIN_LINK_BLOCK)
    assert element(view, ids.WIN_WHAT_BLOCK)["initial_value"] == "nice work"


def test_save_as_win_on_an_apps_message_credits_nobody(bot: RunningBot) -> None:
    message = {"type": "message", "user": "U0APPBOT", "bot_id": "B0001", "ts": "1.3", "text": "Deploy succeeded"}
    before = count(bot.fake, "views.open")
    bot.slack.message_shortcut(ids.SHORTCUT_SAVE_AS_WIN, message)
    view = opened_view(bot, before)
    assert json.loads(view["private_metadata"])["credit"] is None
    assert "From <@" not in block_texts(view)
