"""Login, logout and the language switch."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext, lazy_gettext
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from gongdan.accounts.models import User
from gongdan.accounts.services import InvalidCredentials, LoginThrottled, authenticate
from gongdan.db import db
from gongdan.i18n import LANGUAGES, SESSION_KEY

bp = Blueprint("accounts", __name__)

login_manager = LoginManager()
login_manager.login_view = "accounts.login"
login_manager.login_message = lazy_gettext("Please log in to see this page.")
login_manager.login_message_category = "info"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The logged-in user, if the account still exists and is active."""
    try:
        user = db.session.get(User, int(user_id))
    except ValueError:
        return None
    return user if user is not None and user.active else None


class LoginForm(FlaskForm):
    """Username and password."""

    username = StringField(lazy_gettext("Username"), validators=[DataRequired(), Length(max=80)])
    password = PasswordField(lazy_gettext("Password"), validators=[DataRequired()])
    remember = BooleanField(lazy_gettext("Remember me"))


def safe_next(target: str | None, default: str = "/") -> str:
    """``target`` if it is a path on this site, else ``default`` (no open redirects)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target:
        return default
    return target


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int]:
    """Show the login form; on success go where the user was heading."""
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = authenticate(
                db.session,
                form.username.data or "",
                form.password.data or "",
                address=request.remote_addr or "unknown",
            )
        except LoginThrottled as throttled:
            status = 429
            form.form_errors.append(
                gettext(
                    "Too many failed attempts. Try again in %(minutes)d minutes.",
                    minutes=throttled.retry_minutes,
                )
            )
        except InvalidCredentials:
            status = 401
            form.form_errors.append(gettext("Wrong username or password."))
        else:
            login_user(user, remember=bool(form.remember.data))
            if user.locale in LANGUAGES and SESSION_KEY not in session:
                session[SESSION_KEY] = user.locale
            return redirect(safe_next(request.args.get("next")))
    return render_template("accounts/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout() -> Response:
    """Log out (a POST with a CSRF token, so other sites cannot log users out)."""
    logout_user()
    flash(gettext("You have been logged out."), "info")
    return redirect(url_for("accounts.login"))


@bp.get("/language/<code>")
def set_language(code: str) -> Response:
    """Switch the interface language; remembered on the user when logged in."""
    if code in LANGUAGES:
        session[SESSION_KEY] = code
        if current_user.is_authenticated:
            current_user.locale = code
            db.session.commit()
    return redirect(safe_next(request.args.get("next")))


def init_app(app: Flask) -> None:
    """Attach Flask-Login and the accounts pages."""
    login_manager.init_app(app)
    app.register_blueprint(bp)
