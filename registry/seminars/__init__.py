"""Seminars: sessions, registration with capacity and waiting list, attendance, results."""
