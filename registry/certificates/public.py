"""The public, read-only path: /v/<code> and what a verifier needs (no login)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("public", __name__)
