"""The team's workspace in the admin: the issue queue and the issue page."""
