"""Staff accounts, login and the one place that decides access (``permissions.can``)."""
