"""Sign in and out, one's own password, and the administrators' user management."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from registry.auth import services, sessions, throttle
from registry.auth.forms import (
    ChangePasswordForm, LoginForm, NewUserForm, ResetPasswordForm, UserForm,
)
from registry.auth.models import User
from registry.auth.permissions import get_permitted, require
from registry.auth.services import SignInRefused
from registry.database import utcnow
from registry.extensions import limiter
from registry.i18n import safe_next
from registry.templating import paginate
from registry.web import confirmed, unit_of_work

bp = Blueprint("auth", __name__)
users_bp = Blueprint("users", __name__, url_prefix="/admin/users")


def load_user(session_key: str) -> User | None:
    """Flask-Login's loader: the cookie holds the key of a server-side session (sessions.py)."""
    return sessions.user_for_key(session_key)


def _client_address() -> str:
    return request.remote_addr or ""


def _refused(template: str, error: SignInRefused, **context):
    """The form again with "refused until T", as 429 with Retry-After (no worker sleeps)."""
    response = current_app.make_response((render_template(template, **context), 429))
    response.headers["Retry-After"] = str(max(1, int((error.until - utcnow()).total_seconds())))
    return response


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("reports.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        user = None
        with unit_of_work() as uow:
            user = services.authenticate(form.email.data, form.password.data,
                                         address=_client_address(),
                                         user_agent=request.user_agent.string)
        if isinstance(uow.error, SignInRefused):
            return _refused("auth/login.html", uow.error, form=form)
        if user is not None:
            login_user(user)
            flash(_("Welcome, %(name)s.", name=user.name), "success")
            return redirect(safe_next(request.args.get("next"), url_for("reports.dashboard")))
        # One message for every failure: it must not tell which part was wrong.
        flash(_("Email or password is not correct."), "error")
    return render_template("auth/login.html", form=form), 200


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        with unit_of_work():
            services.sign_out(current_user._get_current_object())
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/sessions")
@login_required
def account_sessions():
    """Where the user is signed in, and the way to end all of it."""
    return render_template("auth/sessions.html",
                           sessions=sessions.live_sessions_of(current_user),
                           current_id=sessions.current_session_id())


@bp.route("/account/sessions/end-all", methods=["POST"])
@login_required
def sign_out_everywhere():
    if not confirmed():
        return redirect(url_for("auth.account_sessions"))
    with unit_of_work():
        ended = services.sign_out(current_user._get_current_object(), everywhere=True)
    logout_user()
    flash(ngettext("You have signed out of %(num)d session.",
                   "You have signed out of %(num)d sessions.", ended), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    user = current_user._get_current_object()
    if form.validate_on_submit():
        with unit_of_work(form) as uow:
            services.change_own_password(user, form.current_password.data, form.password.data,
                                         address=_client_address())
        if isinstance(uow.error, SignInRefused):
            return _refused("auth/change_password.html", uow.error, form=form)
        if uow.ok:
            flash(_("Your password has been changed; your other sessions have ended."),
                  "success")
            return redirect(url_for("reports.dashboard"))
    return render_template("auth/change_password.html", form=form)


# --- user management (admin) ------------------------------------------------------------------

@users_bp.route("/")
def index():
    require(current_user, "user.manage")
    query = select(User)
    term = request.args.get("q", "").strip()
    if term:
        like = f"%{term.lower()}%"
        query = query.where(or_(User.email.like(like), User.name.ilike(f"%{term}%")))
    role = request.args.get("role", "")
    if role in ("admin", "official", "trainer"):
        query = query.where(User.role == role)
    sort = request.args.get("sort", "name")
    columns = {"name": User.name, "email": User.email, "role": User.role,
               "last_login": User.last_login_at}
    column = columns.get(sort.lstrip("-"), User.name)
    query = query.order_by(column.desc() if sort.startswith("-") else column.asc(), User.id)
    query = query.options(selectinload(User.region))
    return render_template("auth/users.html", page=paginate(query), term=term, role=role)


@users_bp.route("/new", methods=["GET", "POST"])
def create():
    require(current_user, "user.manage")
    form = NewUserForm()
    if form.validate_on_submit():
        with unit_of_work(form) as uow:
            user = services.create_user(email=form.email.data, name=form.name.data,
                                        role=form.role.data, password=form.password.data,
                                        locale=form.locale.data, region_id=form.region_id.data,
                                        created_by=current_user)
        if uow.ok:
            flash(_("Account for %(email)s created.", email=user.email), "success")
            return redirect(url_for("users.index"))
    return render_template("auth/user_form.html", form=form, user=None)


@users_bp.route("/<int:user_id>", methods=["GET", "POST"])
def edit(user_id: int):
    user = get_permitted(User, user_id, "user.manage")
    form = UserForm(obj=user)
    if request.method == "GET":
        form.locale.data = user.locale or ""
    if form.validate_on_submit():
        with unit_of_work(form) as uow:
            services.update_user(user, email=form.email.data, name=form.name.data,
                                 role=form.role.data, locale=form.locale.data,
                                 region_id=form.region_id.data, updated_by=current_user)
        if uow.ok:
            flash(_("Account %(email)s saved.", email=user.email), "success")
            return redirect(url_for("users.index"))
    return render_template("auth/user_form.html", form=form, user=user,
                           reset_form=ResetPasswordForm(prefix="reset"),
                           refusals=throttle.refusals_for(user.email),
                           live_sessions=len(sessions.live_sessions_of(user)))


@users_bp.route("/<int:user_id>/unlock", methods=["POST"])
def unlock(user_id: int):
    """Lift the sign-in refusals of an account (e.g. the real user was refused at their
    office's address after someone there mistyped)."""
    user = get_permitted(User, user_id, "user.manage")
    if not confirmed():
        return redirect(url_for("users.edit", user_id=user.id))
    with unit_of_work():
        refused = services.unlock(user, unlocked_by=current_user)
    flash(ngettext("Sign-in is open again for %(email)s (%(num)d address was refused).",
                   "Sign-in is open again for %(email)s (%(num)d addresses were refused).",
                   refused, email=user.email), "success")
    return redirect(url_for("users.edit", user_id=user.id))


@users_bp.route("/<int:user_id>/password", methods=["POST"])
def reset_password(user_id: int):
    user = get_permitted(User, user_id, "user.manage")
    form = ResetPasswordForm(prefix="reset")
    if form.validate_on_submit():
        with unit_of_work() as uow:
            services.reset_password(user, form.password.data, changed_by=current_user)
        if uow.ok:
            flash(_("New password set for %(email)s.", email=user.email), "success")
            return redirect(url_for("users.edit", user_id=user.id))
    else:
        for errors in form.errors.values():
            for message in errors:
                flash(_("Password not changed: %(reason)s", reason=message), "error")
    return redirect(url_for("users.edit", user_id=user.id))


@users_bp.route("/<int:user_id>/active", methods=["POST"])
def set_active(user_id: int):
    user = get_permitted(User, user_id, "user.manage")
    if not confirmed():
        return redirect(url_for("users.edit", user_id=user.id))
    make_active = request.form.get("active") == "1"
    with unit_of_work() as uow:
        services.set_active(user, make_active, changed_by=current_user)
    if uow.ok:
        if make_active:
            flash(_("Account %(email)s is active again.", email=user.email), "success")
        else:
            flash(_("Account %(email)s deactivated; its sessions have ended.", email=user.email),
                  "success")
    return redirect(url_for("users.edit", user_id=user.id))
