"""The merchant's users, managed by its administrators: list, add, role, access, password and two-factor
resets (each confirmed by a POST), and the switch between merchants of a user who belongs to several."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from .. import members, selectors
from ..access import MerchantRequest, merchant_required
from ..forms import IdempotentForm, MemberCreateForm, MemberRoleForm, MerchantSwitchForm
from ..members import MemberAction, MemberRefused, member_action_refusal
from ..models import Membership, Role


def _refusals(request: MerchantRequest, member: Membership) -> dict[str, str | None]:
    """What the page may offer for this user, and why not (the services ask the same under lock)."""
    return {
        action.value: member_action_refusal(
            action=action, actor=request.membership, target=member, elsewhere=member.elsewhere
        )
        for action in MemberAction
    }


def _back(member: Membership) -> HttpResponse:
    return redirect("backoffice:user-detail", user_id=member.user_id)


def _shown_once(request: MerchantRequest, member_user: object, password: str, created: bool) -> HttpResponse:
    # Rendered in the POST's answer, never stored or redirected to: reloading cannot show it again.
    days = members.TEMPORARY_PASSWORD_LIFETIME.days
    context = {"shown_user": member_user, "password": password, "created": created, "days": days}
    response = render(request, "backoffice/user_password_shown.html", context)
    response["Cache-Control"] = "no-store"
    return response


@merchant_required(role=Role.ADMINISTRATOR)
def user_list_page(request: MerchantRequest) -> HttpResponse:
    rows = selectors.member_list(merchant=request.merchant)
    return render(request, "backoffice/user_list.html", {"members": rows})


@never_cache
@merchant_required(role=Role.ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def user_create_page(request: MerchantRequest) -> HttpResponse:
    form = MemberCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, password = members.member_create(
                request=request,
                merchant=request.merchant,
                username=data["username"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                role=data["role"],
                key=data["key"],
            )
        except MemberRefused as refusal:
            form.add_error("username", refusal.message)
        else:
            if password is None:
                messages.info(request, _("This user was already created: the password was shown then."))
                return redirect("backoffice:user-detail", user_id=user.pk)
            return _shown_once(request, user, password, created=True)
    return render(request, "backoffice/user_create.html", {"form": form})


@merchant_required(role=Role.ADMINISTRATOR)
def user_detail_page(request: MerchantRequest, user_id: int) -> HttpResponse:
    member = selectors.member_get(merchant=request.merchant, user_id=user_id)
    context = {"member": member, "refusals": _refusals(request, member)}
    return render(request, "backoffice/user_detail.html", context)


def _confirm(request: MerchantRequest, member: Membership, kind: str, form: IdempotentForm) -> HttpResponse:
    context = {"member": member, "kind": kind, "form": form, "refusal": _refusals(request, member)[kind]}
    return render(request, "backoffice/user_confirm.html", context)


@merchant_required(role=Role.ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def user_role_page(request: MerchantRequest, user_id: int) -> HttpResponse:
    member = selectors.member_get(merchant=request.merchant, user_id=user_id)
    form = MemberRoleForm(request.POST or None, initial={"role": member.role})
    if request.method == "POST" and form.is_valid():
        try:
            changed = members.member_role_set(
                request=request,
                merchant=request.merchant,
                user_id=member.user_id,
                role=form.cleaned_data["role"],
            )
        except MemberRefused as refusal:
            messages.error(request, refusal.message)
        else:
            if changed:
                messages.success(request, _("The role is changed."))
            else:
                messages.info(request, _("The user had this role already; nothing changed."))
        return _back(member)
    return _confirm(request, member, MemberAction.ROLE, form)


@merchant_required(role=Role.ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def user_access_page(request: MerchantRequest, user_id: int, active: bool) -> HttpResponse:
    member = selectors.member_get(merchant=request.merchant, user_id=user_id)
    form = IdempotentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            changed = members.member_active_set(
                request=request, merchant=request.merchant, user_id=member.user_id, active=active
            )
        except MemberRefused as refusal:
            messages.error(request, refusal.message)
        else:
            if not changed:
                messages.info(request, _("This was done already; nothing changed."))
            elif active:
                messages.success(request, _("The user has access to this merchant again."))
            else:
                messages.success(request, _("The user no longer has access to this merchant."))
        return _back(member)
    kind = MemberAction.REACTIVATE if active else MemberAction.DEACTIVATE
    return _confirm(request, member, kind, form)


@never_cache
@merchant_required(role=Role.ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def user_password_page(request: MerchantRequest, user_id: int) -> HttpResponse:
    member = selectors.member_get(merchant=request.merchant, user_id=user_id)
    form = IdempotentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            password = members.member_password_reset(
                request=request,
                merchant=request.merchant,
                user_id=member.user_id,
                key=form.cleaned_data["key"],
            )
        except MemberRefused as refusal:
            messages.error(request, refusal.message)
            return _back(member)
        if password is None:
            messages.info(request, _("This password was already reset: the new one was shown then."))
            return _back(member)
        return _shown_once(request, member.user, password, created=False)
    return _confirm(request, member, MemberAction.PASSWORD, form)


@merchant_required(role=Role.ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def user_two_factor_page(request: MerchantRequest, user_id: int) -> HttpResponse:
    member = selectors.member_get(merchant=request.merchant, user_id=user_id)
    form = IdempotentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            removed = members.member_two_factor_reset(
                request=request, merchant=request.merchant, user_id=member.user_id
            )
        except MemberRefused as refusal:
            messages.error(request, refusal.message)
        else:
            if removed:
                messages.success(
                    request, _("Two-factor is reset: the user sets it up again at next sign-in.")
                )
            else:
                messages.info(request, _("The user has no two-factor device; nothing changed."))
        return _back(member)
    return _confirm(request, member, MemberAction.TWO_FACTOR, form)


@merchant_required()
@require_POST
def merchant_switch_page(request: MerchantRequest) -> HttpResponse:
    """Work on another of the user's merchants: only one they are an active member of, else 404."""
    form = MerchantSwitchForm(request.POST)
    if not form.is_valid():
        return redirect("backoffice:home")
    chosen = selectors.switchable_membership_get(user=request.user, merchant_id=form.cleaned_data["merchant"])
    members.merchant_switch(request=request, current=request.membership, chosen=chosen)
    return redirect("backoffice:home")
