"""Accounts pages of the citizen portal (register, log in, 我的, personal data) and the back office
(citizens, blocking). Thin: every change goes through services/accounts.py."""

import json

from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wenming.core.errors import Invalid, ServiceError
from wenming.core.excel import xlsx_response
from wenming.notifications import services as notifications
from wenming.org.access import requires
from wenming.org.services import mask_phone
from wenming.participation import protection
from wenming.participation.access import citizen_required
from wenming.participation.channels import ChannelError, Unsupported
from wenming.participation.models import Citizen, CodePurpose, Suggestion
from wenming.participation.services import accounts
from wenming.participation.services.points import ledger

T = "participation/accounts/"
BACKEND = "wenming.participation.backends.PhoneOrEmailBackend"
PAGE_SIZE = 50


def _next_url(request) -> str:
    """Where to go after logging in: the page asked for, when it is on this site; else 我的."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("participation:me")


def _send_code(request, address_text: str, purpose: str) -> tuple[int, dict, str]:
    """Send a code for the form's "send code" button: (status, field errors, notice)."""
    try:
        _kind, address = accounts.normalise_address(address_text)
    except Invalid as exc:
        return 400, {"address": exc.message}, ""
    try:
        protection.check(request, "code", account=address)
        accounts.send_code(address, purpose)
    except protection.RateLimited as exc:
        return 429, {"address": exc.message}, ""
    except ServiceError as exc:
        return exc.status, exc.fields or {"address": exc.message}, ""
    except Unsupported as exc:
        return 400, {"address": exc.message}, ""
    except ChannelError as exc:
        return 503, {"address": exc.message}, ""
    shown = mask_phone(address) if "@" not in address else accounts.mask_email(address)
    return 200, {}, _("A code was sent to %(address)s. It is valid for 10 minutes.") % {"address": shown}


def _account_key(text: str) -> str:
    """The account a login or code is counted against: the normalised address, or the user name tried."""
    try:
        return ":".join(accounts.normalise_address(text))
    except Invalid:
        return "name:" + (text or "").strip().lower()[:60]


# ---------------------------------------------------------------------------
# Register, log in, log out, new password


@require_http_methods(["GET", "POST"])
def register(request):
    if request.method == "GET" and request.user.is_authenticated:
        return redirect(_next_url(request))
    form = {k: request.POST.get(k, "").strip() for k in ("address", "nickname", "code")}
    errors, notice, status = {}, "", 200
    if request.method == "POST":
        if request.POST.get("action") == "send_code":
            status, errors, notice = _send_code(request, form["address"], CodePurpose.REGISTER)
        else:
            try:
                protection.check(request, "register", account=_account_key(form["address"]))
                user = accounts.register(
                    form["address"], form["code"], form["nickname"], request.POST.get("password", "")
                )
            except protection.RateLimited as exc:
                return protection.too_many(request, exc)
            except ServiceError as exc:
                errors, status = exc.fields or {"address": exc.message}, exc.status
            else:
                auth_login(request, user, backend=BACKEND)
                messages.success(request, _("Welcome! Your account is ready."))
                return redirect(_next_url(request))
    context = {
        "form": form,
        "errors": errors,
        "notice": notice,
        "next": request.POST.get("next") or request.GET.get("next", ""),
    }
    return render(request, T + "register.html", context, status=status)


@require_http_methods(["GET", "POST"])
def login(request):
    if request.method == "GET" and request.user.is_authenticated:
        return redirect(_next_url(request))
    address = request.POST.get("address", "").strip()
    login_error, status = "", 200
    if request.method == "POST":
        try:
            protection.check(request, "login", account=_account_key(address))
        except protection.RateLimited as exc:
            return protection.too_many(
                request,
                exc,
                _("Too many login attempts. Please try again in %(minutes)d minutes.") % {"minutes": exc.minutes},
            )
        user = authenticate(request, username=address, password=request.POST.get("password", "")) if address else None
        if user is not None:
            auth_login(request, user)
            return redirect(_next_url(request))
        login_error, status = _("The mobile number, e-mail address or password is not right."), 400
    context = {
        "address": address,
        "login_error": login_error,
        "next": request.POST.get("next") or request.GET.get("next", ""),
    }
    return render(request, T + "login.html", context, status=status)


@require_POST
def logout(request):
    auth_logout(request)
    messages.success(request, _("You have logged out."))
    return redirect("participation:home")


@require_http_methods(["GET", "POST"])
def password_reset(request):
    form = {k: request.POST.get(k, "").strip() for k in ("address", "code")}
    errors, notice, status = {}, "", 200
    if request.method == "POST":
        if request.POST.get("action") == "send_code":
            status, errors, notice = _send_code(request, form["address"], CodePurpose.RESET)
        else:
            try:
                protection.check(request, "account", account=_account_key(form["address"]))
                user = accounts.reset_password(form["address"], form["code"], request.POST.get("password", ""))
            except protection.RateLimited as exc:
                return protection.too_many(request, exc)
            except ServiceError as exc:
                errors, status = exc.fields or {"address": exc.message}, exc.status
            else:
                auth_login(request, user, backend=BACKEND)
                messages.success(request, _("Your new password is set."))
                return redirect("participation:me")
    return render(request, T + "password_reset.html", {"form": form, "errors": errors, "notice": notice}, status=status)


# ---------------------------------------------------------------------------
# 我的


@require_GET
@citizen_required(allow_blocked=True)
def me(request):
    citizen = request.citizen
    context = {
        "citizen": citizen,
        "masked_address": accounts.masked_address(citizen),
        "entries": ledger(citizen)[:30],
        "suggestions": Suggestion.objects.filter(author=request.user).select_related("topic")[:20],
        "notifications": notifications.inbox(request.user)[:30],
        "unread": notifications.unread_count(request.user),
        "nickname_errors": {},
    }
    return render(request, T + "me.html", context)


@require_POST
@citizen_required
@protection.rate_limited("account")
def nickname(request):
    try:
        accounts.change_nickname(request.citizen, request.POST.get("nickname", ""))
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(reverse("participation:me") + "#nickname")
    messages.success(request, _("Your nickname is saved."))
    return redirect("participation:me")


@require_POST
@citizen_required(allow_blocked=True)  # reading one's notifications changes nothing anyone else sees
def notifications_read(request):
    ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()] or None
    notifications.mark_read(request.user, ids)
    return redirect(reverse("participation:me") + "#notifications")


# ---------------------------------------------------------------------------
# Personal data (PIPL)


def _readable(value, key=""):
    """The JSON file's ISO times ("2025-06-01T09:30:00+08:00") as people read them on the page."""
    if isinstance(value, dict):
        return {k: _readable(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_readable(v) for v in value]
    if isinstance(value, str) and (key == "at" or key.endswith("_at") or key == "last_login"):
        return value[:16].replace("T", " ")
    return value


@require_GET
@citizen_required(allow_blocked=True)
def my_data(request):
    data = _readable(accounts.personal_data(request.user))
    return render(request, T + "my_data.html", {"data": data, "citizen": request.citizen})


@require_GET
@citizen_required(allow_blocked=True)
def my_data_download(request):
    data = accounts.personal_data(request.user)
    body = json.dumps(data, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    filename = f"my-data-{timezone.localdate():%Y%m%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


# A blocked person keeps the right to have their data deleted (PIPL art. 47).
@require_http_methods(["GET", "POST"])
@citizen_required(allow_blocked=True)
def delete_account(request):
    error, status = "", 200
    if request.method == "POST":
        try:
            protection.check(request, "account")
            accounts.delete_account(request.user, request.POST.get("password", ""))
        except protection.RateLimited as exc:
            return protection.too_many(request, exc)
        except ServiceError as exc:
            error, status = exc.fields.get("password") or exc.message, exc.status
        else:
            auth_logout(request)
            return redirect("participation:account_deleted")
    return render(request, T + "delete.html", {"error": error, "citizen": request.citizen}, status=status)


@require_GET
def account_deleted(request):
    return render(request, T + "deleted.html")


# ---------------------------------------------------------------------------
# Back office: citizens, block and unblock


# Campaign office staff only; other staff and residents get 403.
moderator = requires("participation.browse_citizens")


def _shown(citizen: Citizen) -> Citizen:
    citizen.shown_phone = mask_phone(citizen.phone) if citizen.phone else ""
    citizen.shown_email = accounts.mask_email(citizen.email) if citizen.email else ""
    return citizen


@require_GET
@moderator
def citizen_list(request):
    q = request.GET.get("q", "").strip()
    blocked = request.GET.get("blocked", "")
    queryset = accounts.citizens(q)
    if blocked == "1":
        queryset = queryset.filter(blocked_at__isnull=False)
    if request.GET.get("format") == "xlsx":
        return xlsx_response(
            _("citizens"),
            [
                _("nickname"),
                _("mobile phone"),
                _("e-mail"),
                _("registered at"),
                _("points"),
                _("reports"),
                _("blocked at"),
                _("reason for blocking"),
            ],
            (
                (
                    c.nickname,
                    c.shown_phone,
                    c.shown_email,
                    timezone.localtime(c.created_at).strftime("%Y-%m-%d %H:%M"),
                    c.points,
                    c.report_count,
                    timezone.localtime(c.blocked_at).strftime("%Y-%m-%d %H:%M") if c.blocked_at else "",
                    c.blocked_reason,
                )
                for c in map(_shown, queryset.iterator())
            ),
        )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    for citizen in page:
        _shown(citizen)
    return render(request, T + "office/citizen_list.html", {"page": page, "q": q, "blocked": blocked})


def _detail(request, pk, *, errors=None, status=200, reason=""):
    citizen = get_object_or_404(accounts.citizens(), pk=pk)
    context = {
        "citizen": _shown(citizen),
        "events": citizen.moderation.select_related("by", "by__profile")[:50],
        "errors": errors or {},
        "reason": reason,
    }
    return render(request, T + "office/citizen_detail.html", context, status=status)


@require_GET
@moderator
def citizen_detail(request, pk):
    return _detail(request, pk)


@require_POST
@moderator
def citizen_block(request, pk):
    citizen = get_object_or_404(Citizen, pk=pk)
    reason = request.POST.get("reason", "")
    try:
        accounts.block(citizen, request.user, reason)
    except ServiceError as exc:
        return _detail(request, pk, errors=exc.fields or {"general": exc.message}, status=exc.status, reason=reason)
    messages.success(request, _("The account is blocked: it may read but no longer post."))
    return redirect("participation_office:citizen_detail", pk=pk)


@require_POST
@moderator
def citizen_unblock(request, pk):
    citizen = get_object_or_404(Citizen, pk=pk)
    try:
        accounts.unblock(citizen, request.user)
    except ServiceError as exc:
        return _detail(request, pk, errors={"general": exc.message}, status=exc.status)
    messages.success(request, _("The account may post again."))
    return redirect("participation_office:citizen_detail", pk=pk)


routes = [
    path("account/register/", register, name="register"),
    path("account/login/", login, name="login"),
    path("account/logout/", logout, name="logout"),
    path("account/password/", password_reset, name="password_reset"),
    path("account/deleted/", account_deleted, name="account_deleted"),
    path("me/", me, name="me"),
    path("me/nickname/", nickname, name="nickname"),
    path("me/notifications/read/", notifications_read, name="notifications_read"),
    path("me/data/", my_data, name="my_data"),
    path("me/data/download/", my_data_download, name="my_data_download"),
    path("me/delete/", delete_account, name="delete_account"),
]
office_routes = [
    path("citizens/", citizen_list, name="citizen_list"),
    path("citizens/<int:pk>/", citizen_detail, name="citizen_detail"),
    path("citizens/<int:pk>/block/", citizen_block, name="citizen_block"),
    path("citizens/<int:pk>/unblock/", citizen_unblock, name="citizen_unblock"),
]
