"""The capture rules without Slack: what a message is, bullet splitting, periods, the weekly gap,
and that the suggester's content files cover every criterion and tactic."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.db.models import EntrySource, Member, Visibility
from bot.services.capture import MAX_WINS_PER_MESSAGE, MessageKind, parse_message, split_wins
from bot.services.evidence import EvidenceIndex, confident, suggest_evidence
from bot.services.gaps import EvidenceStat, pick_gap
from bot.services.wins_search import QueryError, parse_query
from bot.services.wording import stem, terms
from content import Content
from content.signals import check_gap_questions, check_signals, load_gap_questions, load_signals


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("hi", MessageKind.GREETING),
        ("Hey there!", MessageKind.GREETING),
        ("good morning :wave:", MessageKind.GREETING),
        ("help", MessageKind.HELP),
        ("What can you do?", MessageKind.HELP),
        ("thanks!", MessageKind.THANKS),
        ("how do I change my stage?", MessageKind.QUESTION),
        ("   ", MessageKind.EMPTY),
        ("shipped the retry fix, cut errors 40%", MessageKind.WINS),
        ("hi-res image export shipped to all customers", MessageKind.WINS),
        ("Fixed the bug where the page asked 'are you sure?' twice", MessageKind.WINS),
    ],
)
def test_what_a_message_is(text: str, kind: MessageKind) -> None:
    assert parse_message(text).kind == kind


def test_bullets_split_headings_drop_and_continuations_join() -> None:
    text = "Wins this week:\n- fixed the login bug\n  on mobile too\n2) reviewed PRs\n• wrote docs"
    assert split_wins(text) == ["fixed the login bug on mobile too", "reviewed PRs", "wrote docs"]
    assert split_wins("one line\nand a second line") == ["one line\nand a second line"]
    assert split_wins("- only one bullet") == ["- only one bullet"]


def test_a_long_list_saves_each_line_up_to_the_bound_and_names_the_rest() -> None:
    lines = [f"- item {n}" for n in range(MAX_WINS_PER_MESSAGE + 5)]
    parsed = parse_message("\n".join(lines))
    assert parsed.wins == tuple(f"item {n}" for n in range(MAX_WINS_PER_MESSAGE))
    assert parsed.not_saved == tuple(f"item {n}" for n in range(MAX_WINS_PER_MESSAGE, MAX_WINS_PER_MESSAGE + 5))


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("🎉", MessageKind.NO_WORDS),
        ("👍🏽", MessageKind.NO_WORDS),  # a thumbs up with a skin tone (Sk)
        (":tada: :rocket:", MessageKind.NO_WORDS),
        ("\u200d\u200d", MessageKind.NO_WORDS),  # zero-width joiners
        ("\u202e", MessageKind.NO_WORDS),  # an RTL override alone
        ("\ufeff…!", MessageKind.NO_WORDS),
        ("ok", MessageKind.ACKNOWLEDGEMENT),
        ("OK!", MessageKind.ACKNOWLEDGEMENT),
        ("👍 got it", MessageKind.ACKNOWLEDGEMENT),
        ("🎉 shipped v2", MessageKind.WINS),
        ("שחררתי את הגרסה", MessageKind.WINS),  # words in any script count
        ("2x faster", MessageKind.WINS),
    ],
)
def test_messages_without_words_are_not_wins(text: str, kind: MessageKind) -> None:
    assert parse_message(text).kind == kind


def _member(tz: str = "America/New_York") -> Member:
    return Member(slack_user_id="U1", workspace_id=1, timezone=tz)


NOW = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)  # still 29 November in New York


def test_periods_are_read_in_the_members_timezone() -> None:
    quarter = parse_query("this quarter", _member(), NOW)
    assert quarter.since == datetime(2026, 10, 1, 4, 0, tzinfo=UTC) and quarter.until is None
    last_quarter = parse_query("Last Quarter", _member(), NOW)
    assert last_quarter.since == datetime(2026, 7, 1, 4, 0, tzinfo=UTC)
    assert last_quarter.until == datetime(2026, 10, 1, 4, 0, tzinfo=UTC)
    ninety = parse_query("last 90 days", _member(), NOW)
    assert ninety.since is not None and (datetime(2026, 11, 29, 5, 0, tzinfo=UTC) - ninety.since).days == 89
    since = parse_query("since 2026-01-01", _member("UTC"), NOW)
    assert since.since == datetime(2026, 1, 1, tzinfo=UTC) and since.words == ()
    assert parse_query("retry budgets", _member(), NOW).words == ("retry", "budgets")
    assert parse_query("", _member(), NOW).since is None
    with pytest.raises(QueryError):
        parse_query("since yesterday", _member(), NOW)
    with pytest.raises(QueryError):
        parse_query("since 2026-02-30", _member(), NOW)


def test_the_gap_is_an_empty_criterion_else_the_stalest(content: Content) -> None:
    criteria = content.stage(2).exit_criteria
    old = datetime(2026, 1, 1, tzinfo=UTC)
    new = datetime(2026, 11, 1, tzinfo=UTC)
    stats = {c.key: EvidenceStat(1, new) for c in criteria}
    del stats[criteria[3].key]
    assert pick_gap(content, 2, stats, week=47).criterion == criteria[3]
    stats[criteria[3].key] = EvidenceStat(5, new)
    stats[criteria[1].key] = EvidenceStat(3, old)
    gap = pick_gap(content, 2, stats, week=47)
    assert gap.criterion == criteria[1] and gap.latest == old and gap.question.endswith("?")
    empty_weeks = {pick_gap(content, 2, {}, week).criterion.key for week in range(6)}
    assert len(empty_weeks) == len(criteria)  # equally empty criteria take turns


def test_signal_and_question_files_cover_the_content(content: Content) -> None:
    check_signals(content, load_signals())
    check_gap_questions(content, load_gap_questions())
    with pytest.raises(ValueError, match="unknown keys"):
        check_signals(content, {**load_signals(), "s9-nope": ("x",)})


def test_suggestions_come_from_the_stage_and_the_next(content: Content) -> None:
    index = EvidenceIndex(content, load_signals())
    stage_keys = {c.key for s in (2, 3) for c in content.stage(s).exit_criteria}
    tactic_keys = {t.key for t in content.growth.tactics if t.best_from_stage <= 3}
    for text in ("Redesigned the notification system for multi-region", "paired with a junior on tests"):
        keys = [s.key for s in index.score(text, 2)]
        assert set(keys) == stage_keys | tactic_keys
    assert suggest_evidence(content, "lunch", 2) == []  # nothing points anywhere: no guess
    assert len(suggest_evidence(content, "debugged the crash, reviewed PRs, estimated on time", 1)) <= 3
    # Beside the member's own stage's criterion, the next stage's is no second suggestion: it is the same work
    # read a level up (both are ranked, and near enough to be named together otherwise).
    text = "Wrote the API design guidelines that every team now uses"
    assert [s.key for s in confident(index.ranked(text, 3))] == [
        "s3-influence-beyond-team",
        "s4-lead-org-wide-initiatives",
    ]
    assert suggest_evidence(content, text, 3) == ["s3-influence-beyond-team"]


def test_terms_fold_suffixes_and_keep_numbers() -> None:
    assert stem("reviewed") == stem("reviews") == stem("reviewing") == "review"
    assert stem("mapped") == "map" and stem("class") == "class"
    # A final "e", British spelling and the common derivations fold too (each failed to match before).
    assert stem("increase") == stem("increased") == stem("increases")
    assert stem("organisation") == stem("organization") == stem("organized") == stem("organises")
    assert stem("integration") == stem("integrated") and stem("migrate") == stem("migration")
    assert stem("deployment") == stem("deployed") and stem("status") == "status"
    # A measured result is a word whatever its figure; counted things are "several"; bare numbers go.
    assert terms("cut errors 40%") == terms("cut errors 5.5%") and "percent" in terms("cut errors 40%")
    assert "dollar" in terms("saved $8k a month") and "dollar" in terms("saved $1,200")
    assert "several_team" in terms("with three teams") and terms("five teams") == terms("multiple teams")
    assert terms("took 2 days") == terms("took days")
    # An everyday phrase for one of the roadmap's own words is that word: "on my own" is "independently", not
    # the "own" of "Own features from design to production"; "made the call" is "decided", not a phone call.
    assert terms("decided on my own") == terms("decided independently") and "own" not in terms("on her own")
    assert terms("made the call to cache") == terms("decided to cache") and "call" not in terms("made the call")
    assert "own" in terms("I own the billing service")
    # The other ways a win says a choice was made meet the roadmap's "decisions" ("-sion" folds into the verb).
    assert stem("decisions") == stem("decided") and stem("extension") == stem("extended")
    assert terms("went with SQS") == terms("opted for SQS") == terms("picked SQS") == terms("decided SQS")
    assert "decid" not in terms("we went live")  # going live is no choice
    # A choice's "over" is "instead of"; any other "over" stays a stopword.
    assert terms("picked Postgres over Kafka") == terms("decided on Postgres instead of Kafka")
    assert "instead" not in terms("took over the pager over the weekend")
    # A possessive or contraction is its word, whichever apostrophe the keyboard typed.
    assert terms("the PM\u2019s idea") == terms("the PM's idea") == terms("the PM idea")
    assert terms("we're sure it's done, didn't block") == terms("sure done block")
    # Chat shorthand is the word it stands for, so it meets the roadmap's spelling; the roadmap's own "org" stays.
    assert terms("3 yrs ago") == terms("years ago") and terms("her local env") == terms("local environment")
    assert terms("new token svc") == terms("new token service") and "org" in terms("org-wide")


def test_a_long_list_of_long_wins_fits_one_message(content: Content) -> None:
    from bot.blocks.capture import capture_message
    from bot.blocks.limits import message_problems
    from bot.services.brag import EntrySummary
    from tests.support.driver import block_texts

    now = datetime(2026, 11, 30, tzinfo=UTC)
    many = [
        EntrySummary(
            id=n + 1,
            what="<b>&" + "x" * 1995,
            impact=None,
            lesson=None,
            link=None,
            visibility=Visibility.PRIVATE,
            source=EntrySource.DM,
            credited_user_id=None,
            created_at=now,
            updated_at=now,
            evidence_keys=("s2-begin-mentoring",),
            suggested_keys=("s2-influence-product", "s3-mentor-to-senior", "t-mentor-proactively"),
        )
        for n in range(MAX_WINS_PER_MESSAGE)
    ]
    payload = capture_message(content, 2, many, prompt_answered=True)
    assert message_problems(payload) == []
    assert len(block_texts(payload)) < 12_000
    assert "<b>" not in block_texts(payload)


def test_the_ranker_abstains_unless_the_words_clearly_support_one_candidate() -> None:
    from bot.services.evidence import MIN_SCORE, Scored, confident

    def scored(key: str, score: float, *matched: str) -> Scored:
        return Scored(key, score, frozenset(matched))

    strong = scored("a", MIN_SCORE * 2, "bisect", "repro")
    assert confident([strong, scored("b", 1.0, "crash")]) == [strong]
    # One shared word is never enough, however high it scores.
    assert confident([scored("a", MIN_SCORE * 3, "early"), scored("b", 0.0)]) == []
    # A bigram is two words ("code_review" is "code" and "review").
    assert confident([scored("a", MIN_SCORE * 2, "code_review"), scored("b", 0.0)])[0].key == "a"
    # Below the threshold, or without a margin over the runner-up: nothing.
    assert confident([scored("a", MIN_SCORE * 0.9, "x", "y"), scored("b", 0.0)]) == []
    assert confident([strong, scored("b", MIN_SCORE * 1.75, "z", "w")]) == []
    # A runner-up resting on one word is no rival: it could never be named itself.
    assert confident([strong, scored("b", MIN_SCORE * 1.8, "z")]) == [strong]
    # A second suggestion only when nearly as strong and supported itself; never a third.
    second = scored("b", MIN_SCORE * 1.95, "pr", "review")
    third = scored("c", MIN_SCORE * 1.9, "merge", "round")
    assert confident([strong, second, scored("c", 1.0, "q")]) == [strong, second]
    assert confident([strong, second, third]) == []  # the named pair does not stand apart from the third
    # b is not supported (one word): not named, and no rival; c (two words) is the near tie.
    assert confident([strong, scored("b", MIN_SCORE * 1.95, "pr"), scored("c", 1.0, "q", "r")]) == [strong]
    assert confident([strong, scored("b", MIN_SCORE * 1.95, "pr"), scored("c", MIN_SCORE * 1.9, "q", "r")]) == []
    # A second matched by the first's words only is the same evidence read twice: not named, and a near tie.
    echo = scored("b", MIN_SCORE * 1.95, "bisect", "repro")
    assert confident([strong, echo, scored("c", 1.0, "q")]) == []
    assert confident([strong, scored("b", MIN_SCORE * 1.95, "bisect", "log"), scored("c", 1.0, "q")]) == [
        strong,
        scored("b", MIN_SCORE * 1.95, "bisect", "log"),
    ]
    # An everyday word matched alone is no shared word: "late" + "retro" is one word, "back_forth" two.
    alone = Scored("a", MIN_SCORE * 2, frozenset({"late", "retro"}), frozenset({"late"}))
    assert confident([alone, scored("b", 0.0)]) == []
    assert confident([scored("a", MIN_SCORE * 2, "late", "retro"), scored("b", 0.0)])[0].key == "a"


def test_everyday_words_matched_alone_are_weak(content: Content) -> None:
    from bot.services.evidence import EVERYDAY_WEIGHT, Ranker
    from bot.services.wording import EVERYDAY

    assert {stem("running"), stem("back"), stem("meeting"), stem("new")} <= EVERYDAY
    ranker = Ranker({"a": {"back": 1.0, "forth": 1.0, "back_forth": 1.0}, "b": {"retro": 1.0}, "c": {"x": 1.0}})
    [alone] = [s for s in ranker.rank(["back"], [("a", 1.0)], EVERYDAY)]
    [plain] = [s for s in ranker.rank(["back"], [("a", 1.0)])]
    assert alone.weak == {"back"} and alone.words == set() and plain.words == {"back"}
    assert alone.score == pytest.approx(plain.score * EVERYDAY_WEIGHT)
    # Inside a matched bigram it is a full word: "back and forth" is the criterion's own phrase.
    [phrase] = ranker.rank(terms("back and forth"), [("a", 1.0)], EVERYDAY)
    assert phrase.weak == frozenset() and phrase.words == {"back", "forth"}
    index = EvidenceIndex(content, load_signals())
    everyday = (
        "running 5 minutes late to the all-hands",
        "back on monday, see you all then",
        "new laptop!",
        "two teams are going bowling tonight",  # "several_team" is a bigram, but "several" is no shared word
        "the other team is out today",
    )
    for text in everyday:
        assert all(index.suggest(text, stage) == [] for stage in (1, 2, 3, 4, 5, None)), text
    # The same words carry a real win: a counted or "other" team next to what was done with them.
    assert [s.key for s in index.suggest("Coordinated the API migration with three other teams", 3)] == [
        "s3-lead-cross-team-initiatives"
    ]


def test_a_matched_bigram_scores_half_so_a_pair_of_broad_words_does_not_win_alone() -> None:
    from bot.services.evidence import BIGRAM_WEIGHT, K1, B, Ranker

    # "every team" is in one label only, so its bigram is rarer (higher idf) than either broad word:
    # at full weight the pair alone outscored the candidate holding the win's specific word ("guidelines").
    documents = {
        "org": {"every": 1.0, "team": 1.0, "every_team": 1.0},
        "api": {"guidelin": 1.0, "team": 1.0},
        "other": {"every": 1.0, "team": 1.0},
    }
    ranker = Ranker(documents)
    query = terms("API guidelines every team uses")
    pool = [("org", 1.0), ("api", 1.0), ("other", 1.0)]
    scores = {s.key: s.score for s in ranker.rank(query, pool)}
    assert scores["api"] > scores["org"] > scores["other"]
    # The pair's own share is exactly half of its BM25 term (length 3 against an average of 7/3).
    [pair] = ranker.rank(["every_team"], [("org", 1.0)])
    norm = K1 * (1 - B + B * 3 / (7 / 3))
    assert pair.score == pytest.approx(BIGRAM_WEIGHT * ranker.idf["every_team"] * (K1 + 1) / (1 + norm))
    assert BIGRAM_WEIGHT == 0.5 and scores["org"] + pair.score > scores["api"], "at full weight the pair won"


def test_the_item_matcher_ignores_a_lone_common_word(content: Content) -> None:
    from bot.services.items import COMMON_ITEM_WORD, matcher_for
    from content import load_signal_rules

    matcher = matcher_for(content, load_signal_rules())
    assert matcher.ranker.frequency["technical"] >= COMMON_ITEM_WORD
    assert matcher.best("decided something technical", matcher.items) is None
    found = matcher.best("decided how we refactor the checkout module", matcher.items)
    assert found is not None and "refactor" in found.text.lower()


def test_a_message_that_only_asks_or_schedules_names_nothing(content: Content) -> None:
    from bot.services.evidence import asks_or_schedules, confident

    index = EvidenceIndex(content, load_signals())
    asked = {
        "can someone review my PR when they get a chance": ("My PR was approved in one review round", 1),
        "who owns the interview loop?": ("Redesigned the interview loop for backend hires; we hired 3 engineers", 4),
        "sprint planning is at 2pm": ("Estimated the sprint at 2pm planning and hit it within 10%", 1),
    }
    for text, (done, stage) in asked.items():
        assert asks_or_schedules(text) and confident(index.ranked(text, stage)) != []  # the words alone would name
        assert index.suggest(text, stage) == [], text
        assert not asks_or_schedules(done) and index.suggest(done, stage) != [], done  # said as done, they do
    assert asks_or_schedules("reviewing the draft tonight, will send comments tomorrow")
    assert not asks_or_schedules("Handled the 2am incident and wrote the postmortem")  # a time, but in the past
    assert not asks_or_schedules("Can now find my way around the payments code without asking")  # no request


def test_links_are_addresses_not_words() -> None:
    assert terms("reading this: https://example.com/blog/scaling-teams") == terms("reading this")
    assert terms("merged <https://github.com/a/b/pull/3|the PR>") == terms("merged the PR")
    assert terms("see www.example.com/onboarding-guide") == terms("see")
