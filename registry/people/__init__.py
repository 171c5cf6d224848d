"""Participants and their organizations: find-or-create, duplicate detection, search."""
