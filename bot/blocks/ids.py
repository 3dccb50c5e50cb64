"""Every slash command, action_id, callback_id and block_id the bot uses.

Builders put these into Block Kit, listeners register on them, tests click them,
and ``tests/test_manifest.py`` checks ``manifest.json`` against what is registered.
"""

from __future__ import annotations

# -- slash commands (names as in the app manifest and the operator contract) -----------------
CMD_STAGE = "/stage"
CMD_WIN = "/win"
CMD_STUCK = "/stuck"
CMD_FEEDBACK_QUESTIONS = "/feedback-questions"
CMD_COACH = "/coach"

# -- shortcuts --------------------------------------------------------------------------------
SHORTCUT_SAVE_AS_WIN = "save_as_win"

# -- /stage -------------------------------------------------------------------------------------
STAGE_SET_MINE = "stage_set_mine"  # value: stage number
STAGE_SHOW = "stage_show"  # value: stage number (next/previous/any stage button)
STAGE_SHOW_PREVIOUS = "stage_show_previous"  # value: stage number
STAGE_OPEN_ASSESSMENT = "stage_open_assessment"
STAGE_FULL_GUIDE = "stage_full_guide"  # value: stage number; opens (or, inside it, moves) the guide modal
STAGE_TRACKS_GUIDE = "stage_tracks_guide"  # opens how the career tracks differ
STAGE_PRINCIPLES_GUIDE = "stage_principles_guide"  # opens the principles at Stages 1, 3 and 5
STAGE_SHOW_MINE = "stage_show_mine"  # value: stage number; the person's own progress on it
STAGE_GUIDE_MODAL = "stage_guide_modal"  # callback_id of the read-only guide modals
ASSESSMENT_MODAL = "stage_assessment"
ASSESSMENT_BLOCK_PREFIX = "assess_q_"  # + question key
ASSESSMENT_ANSWER = "assess_answer"

# -- brag document ------------------------------------------------------------------------------
WIN_OPEN_MODAL = "win_open_modal"
WIN_ADD_DETAIL = "win_add_detail"  # value: entry id
WIN_EDIT = "win_edit"  # value: entry id
WIN_DELETE = "win_delete"  # value: entry id (the button carries a confirm dialog)
WIN_MODAL = "win_modal"
WIN_WHAT_BLOCK = "win_what"
WIN_IMPACT_BLOCK = "win_impact"
WIN_LESSON_BLOCK = "win_lesson"
WIN_LINK_BLOCK = "win_link"
WIN_EVIDENCE_BLOCK = "win_evidence"
WIN_VISIBILITY_BLOCK = "win_visibility"
WIN_INPUT = "value"  # the action_id of the single element inside each input block
WIN_SIGNAL_BLOCK = "win_signal"  # decided / proposed / learned in the win modal
# One tap to change decided / proposed / learned (value: entry id). One action_id per button: Slack
# wants action_ids unique within a block.
WIN_SIGNAL_DECIDED = "win_signal_decided"
WIN_SIGNAL_PROPOSED = "win_signal_proposed"
WIN_SIGNAL_LEARNED = "win_signal_learned"
WIN_SIGNAL_NONE = "win_signal_none"

# -- the review conversation (self-rating before a review) --------------------------------------
RATING_OPEN_SELF = "rating_open_self"  # value: conversation id
RATING_OPEN_MANAGER = "rating_open_manager"  # value: conversation id
RATING_MODAL = "rating_modal"
RATING_BLOCK_PREFIX = "rate_"  # + criterion key
RATING_INVITE_BLOCK = "rating_invite"
RATING_INPUT = "value"

# -- capture: wins written to the bot, suggested evidence, finding old wins ---------------------
WIN_EVIDENCE_CONFIRM = "win_evidence_confirm"  # value: "<entry id>:<evidence key>", one suggestion
WIN_SUGGESTION_BLOCK_PREFIX = "win_suggestion_"  # + "<entry id>_<n>": a suggestion and its Confirm
WIN_EVIDENCE_CHANGE = "win_evidence_change"  # value: entry id; opens EVIDENCE_MODAL
WIN_CARD_BLOCK_PREFIX = "win_card_"
WIN_CARD_MORE = "win_card_more"  # a card's overflow menu; value: "<evidence|decided|proposed|learned|none>:<entry id>"
EVIDENCE_MODAL = "win_evidence_modal"
EVIDENCE_PICK_BLOCK = "win_evidence_pick"
EVIDENCE_INPUT = "value"
WIN_UNDO = "win_undo"  # value: entry id
WIN_REMOVE_DELETED = "win_remove_deleted"  # value: comma-separated entry ids of a deleted DM
WIN_KEEP_DELETED = "win_keep_deleted"
WINS_PAGE = "wins_page"  # value: JSON {"q": what was searched, "p": page}
HOME_WINS_PAGE = "home_wins_page"  # value: page number

# -- App Home and settings ----------------------------------------------------------------------
HOME_OPEN_SETTINGS = "home_open_settings"
HOME_GITHUB_CONNECT = "home_github_connect"  # opens a modal with the link to GitHub's authorize page
SETTINGS_MODAL = "settings_modal"
SETTINGS_STAGE_BLOCK = "settings_stage"
SETTINGS_VISIBILITY_BLOCK = "settings_visibility"
SETTINGS_PROMPT_DAY_BLOCK = "settings_prompt_day"
SETTINGS_PROMPT_TIME_BLOCK = "settings_prompt_time"
SETTINGS_TIMEZONE_BLOCK = "settings_timezone"
SETTINGS_OPT_OUTS_BLOCK = "settings_opt_outs"
SETTINGS_INPUT = "value"
SETTINGS_WORKDAYS_BLOCK = "settings_workdays"
SETTINGS_QUIET_START_BLOCK = "settings_quiet_start"
SETTINGS_QUIET_END_BLOCK = "settings_quiet_end"
HOME_TEAM_DETAILS = "home_team_details"  # a manager's Home: each report's months, readiness, her part
TEAM_DETAILS_MODAL = "team_details_modal"  # callback_id of that read-only modal
HOME_PAUSE_UNTIL = "home_pause_until"  # a datepicker on Home: pause every nudge until the picked date
HOME_RESUME = "home_resume"

# -- weekly prompt ------------------------------------------------------------------------------
PROMPT_RECORD_WIN = "prompt_record_win"
PROMPT_NOTHING_THIS_WEEK = "prompt_nothing_this_week"
PROMPT_SNOOZE_LATER_TODAY = "prompt_snooze_later_today"
PROMPT_SNOOZE_NEXT_WEEK = "prompt_snooze_next_week"
PROMPT_CHECKIN_KEEP = "prompt_checkin_keep"  # value: ledger row id (the "still want these?" check-in)
PROMPT_CHECKIN_STOP = "prompt_checkin_stop"

# -- /stuck -------------------------------------------------------------------------------------
STUCK_UNBLOCKED = "stuck_unblocked"  # value: stuck session id
STUCK_MORE_TIME = "stuck_more_time"  # value: stuck session id
STUCK_DRAFT_HELP = "stuck_draft_help"  # value: stuck session id
STUCK_SAVE_WIN = "stuck_save_win"  # value: stuck session id; saves its asking-early win
STUCK_NO_WIN = "stuck_no_win"  # value: stuck session id; nothing is saved
HELP_REQUEST_MODAL = "help_request_modal"
HELP_TRIED_BLOCK = "help_tried"
HELP_GOAL_BLOCK = "help_goal"
HELP_CHANNEL_BLOCK = "help_channel"
HELP_INPUT = "value"

# -- review prep --------------------------------------------------------------------------------
REVIEW_SET_DATE = "review_set_date"
REVIEW_DATE_MODAL = "review_date_modal"
REVIEW_DATE_BLOCK = "review_date"
REVIEW_INPUT = "value"

# -- /coach -------------------------------------------------------------------------------------
MANAGER_UNLINK = "manager_unlink"
NOTICE_MUTE = "notice_mute"  # value: the Slack user id whose doings the recipient wants no messages about
DELETE_MY_DATA_CONFIRM = "delete_my_data_confirm"
DELETE_MY_DATA_CANCEL = "delete_my_data_cancel"

# -- events -------------------------------------------------------------------------------------
EVENT_APP_HOME_OPENED = "app_home_opened"
EVENT_TOKENS_REVOKED = "tokens_revoked"
EVENT_APP_UNINSTALLED = "app_uninstalled"
EVENT_MESSAGE = "message"  # Bolt's event type for every message event, subtypes included
SUBSCRIPTION_MESSAGE_IM = "message.im"  # the manifest's subscription: DMs with the bot only

# Evidence found for you (GitHub): /coach github, and the found items' buttons
FOUND_SAVE = "found_save"  # value: found item id
FOUND_SKIP = "found_skip"  # value: found item id
GITHUB_CONNECT_LINK = "github_connect_link"  # a URL button to GitHub's authorize page (Slack still sends a click)
