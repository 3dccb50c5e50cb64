"""What runs every minute. APScheduler only ticks (``scheduler.py``); one tick (``run.py``) forgets old event
ids, purges workspaces past their retention, runs the nudge pass (``bot/nudges``: plan every kind into the
ledger, deliver what is due) and reads this minute's share of ``users.list`` (``directory.py``)."""
