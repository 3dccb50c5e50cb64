"""Button and menu clicks (block_actions)."""

from __future__ import annotations

from bot.blocks import ids
from bot.listeners.actions.account import cancel_delete_my_data, confirm_delete_my_data
from bot.listeners.actions.evidence import (
    change_evidence,
    confirm_evidence,
    keep_deleted_wins,
    remove_deleted_wins,
    undo_win,
)
from bot.listeners.actions.found import decide_found, github_connect_link, open_github_connect
from bot.listeners.actions.home import home_wins_page, open_settings, open_team_details
from bot.listeners.actions.manager_unlink import unlink_manager
from bot.listeners.actions.notice_mute import mute_notices
from bot.listeners.actions.pause import pause_from_home, resume_from_home
from bot.listeners.actions.prompt_responses import (
    prompt_checkin_keep,
    prompt_checkin_stop,
    prompt_nothing_this_week,
    prompt_snooze_later_today,
    prompt_snooze_next_week,
)
from bot.listeners.actions.rating import open_manager_rating, open_self_rating
from bot.listeners.actions.review_date import open_review_date
from bot.listeners.actions.stage import (
    open_assessment,
    open_principles_guide,
    open_stage_guide,
    open_tracks_guide,
    set_my_stage,
    show_my_progress,
    show_stage,
)
from bot.listeners.actions.stuck_buttons import (
    stuck_draft_help,
    stuck_more_time,
    stuck_no_win,
    stuck_save_win,
    stuck_unblocked,
)
from bot.listeners.actions.win_delete import delete_win
from bot.listeners.actions.win_edit import edit_win
from bot.listeners.actions.win_open import open_win_modal, open_win_modal_from_prompt
from bot.listeners.actions.win_signal import card_more, card_more_policy, set_win_signal
from bot.listeners.commands.coach_wins import wins_page
from bot.slack.registrar import Policy, Registrar


def register(registrar: Registrar) -> None:
    registrar.action(ids.STAGE_SET_MINE, set_my_stage, Policy.AFTER_ACK)
    registrar.action(ids.STAGE_SHOW, show_stage, Policy.AFTER_ACK)
    registrar.action(ids.STAGE_SHOW_PREVIOUS, show_stage, Policy.AFTER_ACK)
    registrar.action(ids.STAGE_OPEN_ASSESSMENT, open_assessment, Policy.OPENS_MODAL)
    registrar.action(ids.STAGE_FULL_GUIDE, open_stage_guide, Policy.OPENS_MODAL)
    registrar.action(ids.STAGE_TRACKS_GUIDE, open_tracks_guide, Policy.OPENS_MODAL)
    registrar.action(ids.STAGE_PRINCIPLES_GUIDE, open_principles_guide, Policy.OPENS_MODAL)
    registrar.action(ids.STAGE_SHOW_MINE, show_my_progress, Policy.AFTER_ACK)
    # nudges: the weekly prompt's answers and the stuck timer
    registrar.action(ids.PROMPT_NOTHING_THIS_WEEK, prompt_nothing_this_week, Policy.AFTER_ACK)
    registrar.action(ids.PROMPT_SNOOZE_LATER_TODAY, prompt_snooze_later_today, Policy.AFTER_ACK)
    registrar.action(ids.PROMPT_SNOOZE_NEXT_WEEK, prompt_snooze_next_week, Policy.AFTER_ACK)
    registrar.action(ids.STUCK_UNBLOCKED, stuck_unblocked, Policy.AFTER_ACK)
    registrar.action(ids.STUCK_MORE_TIME, stuck_more_time, Policy.AFTER_ACK)
    registrar.action(ids.STUCK_DRAFT_HELP, stuck_draft_help, Policy.OPENS_MODAL)
    registrar.action(ids.STUCK_SAVE_WIN, stuck_save_win, Policy.AFTER_ACK)
    registrar.action(ids.STUCK_NO_WIN, stuck_no_win, Policy.AFTER_ACK)
    # brag document, App Home, delete-my-data
    registrar.action(ids.WIN_OPEN_MODAL, open_win_modal, Policy.OPENS_MODAL)
    registrar.action(ids.PROMPT_RECORD_WIN, open_win_modal_from_prompt, Policy.OPENS_MODAL)
    registrar.action(ids.WIN_ADD_DETAIL, edit_win, Policy.OPENS_MODAL)
    registrar.action(ids.WIN_CARD_MORE, card_more, card_more_policy)
    registrar.action(ids.HOME_TEAM_DETAILS, open_team_details, Policy.OPENS_MODAL)
    registrar.action(ids.WIN_EDIT, edit_win, Policy.OPENS_MODAL)
    registrar.action(ids.WIN_DELETE, delete_win, Policy.AFTER_ACK)
    registrar.action(ids.HOME_OPEN_SETTINGS, open_settings, Policy.OPENS_MODAL)
    registrar.action(ids.DELETE_MY_DATA_CONFIRM, confirm_delete_my_data, Policy.AFTER_ACK)
    registrar.action(ids.DELETE_MY_DATA_CANCEL, cancel_delete_my_data, Policy.AFTER_ACK)
    registrar.action(ids.REVIEW_SET_DATE, open_review_date, Policy.OPENS_MODAL)
    registrar.action(ids.MANAGER_UNLINK, unlink_manager, Policy.AFTER_ACK)
    registrar.action(ids.NOTICE_MUTE, mute_notices, Policy.AFTER_ACK)
    # decide / propose / learn: one tap under a saved win
    registrar.action(ids.WIN_SIGNAL_DECIDED, set_win_signal, Policy.AFTER_ACK)
    registrar.action(ids.WIN_SIGNAL_PROPOSED, set_win_signal, Policy.AFTER_ACK)
    registrar.action(ids.WIN_SIGNAL_LEARNED, set_win_signal, Policy.AFTER_ACK)
    registrar.action(ids.WIN_SIGNAL_NONE, set_win_signal, Policy.AFTER_ACK)
    # the review conversation: rate your exit criteria; the invited manager rates the same ones
    registrar.action(ids.RATING_OPEN_SELF, open_self_rating, Policy.OPENS_MODAL)
    registrar.action(ids.RATING_OPEN_MANAGER, open_manager_rating, Policy.OPENS_MODAL)
    # capture: a saved win's card, the question after a deleted DM, paging through wins
    registrar.action(ids.WIN_EVIDENCE_CONFIRM, confirm_evidence, Policy.AFTER_ACK)
    registrar.action(ids.WIN_EVIDENCE_CHANGE, change_evidence, Policy.OPENS_MODAL)
    registrar.action(ids.WIN_UNDO, undo_win, Policy.AFTER_ACK)
    registrar.action(ids.WIN_REMOVE_DELETED, remove_deleted_wins, Policy.AFTER_ACK)
    registrar.action(ids.WIN_KEEP_DELETED, keep_deleted_wins, Policy.AFTER_ACK)
    # evidence found for you (GitHub): nothing counts until saved
    registrar.action(ids.FOUND_SAVE, decide_found, Policy.AFTER_ACK)
    registrar.action(ids.FOUND_SKIP, decide_found, Policy.AFTER_ACK)
    registrar.action(ids.GITHUB_CONNECT_LINK, github_connect_link, Policy.AFTER_ACK)
    registrar.action(ids.HOME_GITHUB_CONNECT, open_github_connect, Policy.OPENS_MODAL)
    registrar.action(ids.WINS_PAGE, wins_page, Policy.AFTER_ACK)
    registrar.action(ids.HOME_WINS_PAGE, home_wins_page, Policy.AFTER_ACK)
    # time off: the nag ceiling's check-in, pausing from Home
    registrar.action(ids.PROMPT_CHECKIN_KEEP, prompt_checkin_keep, Policy.AFTER_ACK)
    registrar.action(ids.PROMPT_CHECKIN_STOP, prompt_checkin_stop, Policy.AFTER_ACK)
    registrar.action(ids.HOME_PAUSE_UNTIL, pause_from_home, Policy.AFTER_ACK)
    registrar.action(ids.HOME_RESUME, resume_from_home, Policy.AFTER_ACK)
