"""Audit trail: one append-only event for every change of data by a user."""
