"""Staff passwords: at least 12 characters and not a common password (L10)."""
from __future__ import annotations

import pytest

from registry.auth import services
from registry.auth.models import User
from registry.auth.passwords import common_passwords, password_problem
from registry.errors import DomainError
from tests import fixtures


def test_the_common_password_list_is_a_real_one():
    passwords = common_passwords()
    assert len(passwords) >= 10_000
    for known in ("password", "123456", "qwerty123456", "1qaz2wsx3edc", "leavemealone"):
        assert known in passwords


@pytest.mark.parametrize("password, reason", [
    ("short pass", "at least 12 characters"),
    ("aaaaaaaaaaaa", "too few different characters"),
    ("121212121212", "too few different characters"),
    ("qwerty123456", "list of common passwords"),
    ("QWERTY123456", "list of common passwords"),
    ("1qaz2wsx3edc", "list of common passwords"),
])
def test_weak_passwords_are_refused_with_the_reason(password, reason):
    assert reason in str(password_problem(password))


def test_a_long_uncommon_password_is_accepted():
    assert password_problem("correct horse battery") is None


def test_the_user_form_says_why_a_password_is_refused(client, login_as, count_rows):
    login_as("admin")
    before = count_rows(User)
    page = client.post("/admin/users/new", data={
        "email": "weak@registry.test", "name": "Weak Password", "role": "trainer",
        "locale": "", "password": "qwerty123456"}).get_data(as_text=True)
    assert 'id="password-error"' in page
    assert "list of common passwords" in page
    assert count_rows(User) == before


def test_changing_ones_own_password_to_a_common_one_is_refused(client, login_as):
    user = login_as("official")
    page = client.post("/account/password", data={
        "current_password": fixtures.TEST_PASSWORD, "password": "1q2w3e4r5t6y",
        "confirm": "1q2w3e4r5t6y"}).get_data(as_text=True)
    assert "list of common passwords" in page
    assert user.check_password(fixtures.TEST_PASSWORD)


def test_the_cli_and_services_apply_the_same_rule():
    with pytest.raises(DomainError, match="common passwords"):
        services.create_user(email="cli@registry.test", name="CLI", role="admin",
                             password="password1234", created_by=None)
