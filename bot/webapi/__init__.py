"""Slack's Web API as the web app and the tick both call it: the client, its retry policy and metrics, the tokens."""
