"""Sign-in in two steps (password, then TOTP code, or enrolment of a first device), sign-out, password."""

import time

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, get_user_model, login, logout, update_session_auth_hash
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from .. import members, two_factor
from ..access import MerchantRequest, merchant_required, must_change_password
from ..audit import audit_record
from ..forms import CodeForm, NewPasswordForm, SignInForm
from ..models import AuditAction
from ..services import user_password_change
from ..signals import FAILURE_REASON_ATTR, LOGOUT_REASON_ATTR

# Between the two steps the session holds who gave a right password, for a few minutes only.
PENDING_USER_KEY = "bo_pending_user"
PENDING_BACKEND_KEY = "bo_pending_backend"
PENDING_SINCE_KEY = "bo_pending_since"
PENDING_NEXT_KEY = "bo_pending_next"
PENDING_SECONDS = 300
TEMPORARY_PASSWORD_SPENT = gettext_lazy(
    "This temporary password was used or has expired. Ask your administrator for a new one."
)


def _safe_next(request: HttpRequest, target: str) -> str:
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse("backoffice:home")


def _pending_user(request: HttpRequest) -> AbstractBaseUser | None:
    since = request.session.get(PENDING_SINCE_KEY, 0)
    if time.time() - float(since) > PENDING_SECONDS:
        return None
    user_id = request.session.get(PENDING_USER_KEY)
    return get_user_model().objects.filter(pk=user_id, is_active=True).first() if user_id else None


@never_cache
@require_http_methods(["GET", "POST"])
def login_page(request: HttpRequest) -> HttpResponse:
    form = SignInForm(request.POST or None)
    timed_out = request.session.pop("bo_timed_out", False)
    if request.method == "POST" and form.is_valid():
        user = authenticate(
            request, username=form.cleaned_data["username"], password=form.cleaned_data["password"]
        )
        if user is not None and members.temporary_password_spent(user):
            _temporary_password_refused(request, user)
            form.add_error(None, TEMPORARY_PASSWORD_SPENT)
        elif user is not None:
            request.session.cycle_key()  # a new session id before anything is trusted in it
            request.session[PENDING_USER_KEY] = user.pk
            request.session[PENDING_BACKEND_KEY] = user.backend  # type: ignore[attr-defined]
            request.session[PENDING_SINCE_KEY] = time.time()
            request.session[PENDING_NEXT_KEY] = _safe_next(request, request.GET.get("next", ""))
            step = "code" if two_factor.confirmed_device(user) else "setup"
            return redirect(f"backoffice:login-{step}")
        form.add_error(None, _("The user name or the password is wrong."))  # AxesMiddleware may replace it
    return render(request, "backoffice/login.html", {"form": form, "timed_out": timed_out})


def _temporary_password_refused(request: HttpRequest, user: AbstractBaseUser) -> None:
    # Audited as a failed sign-in, and counts towards the lockout like a wrong password.
    setattr(request, FAILURE_REASON_ATTR, "temporary password spent")
    user_login_failed.send(sender=__name__, credentials={"username": user.get_username()}, request=request)


def _code_failed(request: HttpRequest, user: AbstractBaseUser) -> None:
    # Counts towards the same lockout as wrong passwords, and lands in the audit journal.
    setattr(request, FAILURE_REASON_ATTR, "code")
    user_login_failed.send(sender=__name__, credentials={"username": user.get_username()}, request=request)


def _locked(request: HttpRequest, user: AbstractBaseUser) -> bool:
    return not AxesProxyHandler.is_allowed(request, {"username": user.get_username()})


def _finish(request: HttpRequest, user: AbstractBaseUser, device: TOTPDevice) -> HttpResponse:
    target = request.session.get(PENDING_NEXT_KEY, "")
    backend = request.session.get(PENDING_BACKEND_KEY, settings.AUTHENTICATION_BACKENDS[-1])
    for key in (PENDING_USER_KEY, PENDING_BACKEND_KEY, PENDING_SINCE_KEY, PENDING_NEXT_KEY):
        request.session.pop(key, None)
    temporary = members.temporary_password_claim(user)
    if temporary is False:  # another sign-in used it first
        _temporary_password_refused(request, user)
        messages.error(request, TEMPORARY_PASSWORD_SPENT)
        return redirect("backoffice:login")
    login(request, user, backend=backend)
    otp_login(request, device)
    if temporary:  # a password someone else knows: replaced before anything else
        return redirect("backoffice:password-change")
    return redirect(_safe_next(request, target))


@never_cache
@require_http_methods(["GET", "POST"])
def login_code_page(request: HttpRequest) -> HttpResponse:
    user = _pending_user(request)
    device = user and two_factor.confirmed_device(user)
    if user is None or device is None:
        return redirect("backoffice:login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _locked(request, user):
            request.axes_locked_out = True  # type: ignore[attr-defined]  AxesMiddleware answers
            return render(request, "backoffice/locked_out.html", status=429)
        if two_factor.code_is_valid(device, form.cleaned_data["code"]):
            return _finish(request, user, device)
        _code_failed(request, user)
        form.add_error("code", _("This code is not valid. Wait for the next one and try again."))
    return render(request, "backoffice/login_code.html", {"form": form})


@never_cache
@require_http_methods(["GET", "POST"])
def login_setup_page(request: HttpRequest) -> HttpResponse:
    """First sign-in: a new secret to add to an authenticator app, confirmed by its first code."""
    user = _pending_user(request)
    if user is None or two_factor.confirmed_device(user):
        return redirect("backoffice:login")
    device = two_factor.device_for_enrolment(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _locked(request, user):
            request.axes_locked_out = True  # type: ignore[attr-defined]
            return render(request, "backoffice/locked_out.html", status=429)
        if two_factor.code_is_valid(device, form.cleaned_data["code"]):
            two_factor.device_confirm(device)
            audit_record(action=AuditAction.TWO_FACTOR_ADDED, request=request, user=user, target=user)
            return _finish(request, user, device)
        _code_failed(request, user)
        form.add_error("code", _("This code is not valid. Check the secret and the time of your device."))
    context = {
        "form": form,
        "secret": two_factor.secret_base32(device),
        "uri": two_factor.otpauth_uri(device, user.get_username()),
    }
    return render(request, "backoffice/login_setup.html", context)


@require_POST
def logout_page(request: HttpRequest) -> HttpResponse:
    setattr(request, LOGOUT_REASON_ATTR, "sign-out")
    logout(request)
    return redirect("backoffice:login")


@never_cache
@merchant_required(with_temporary_password=True)
def password_change_page(request: MerchantRequest) -> HttpResponse:
    forced = must_change_password(request.membership)
    form = NewPasswordForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user_password_change(request=request, user=request.user, password=form.cleaned_data["new_password1"])
        update_session_auth_hash(request, request.user)  # stay signed in here, out everywhere else
        return render(request, "backoffice/password_change.html", {"done": True, "forced": forced})
    return render(request, "backoffice/password_change.html", {"form": form, "forced": forced})
