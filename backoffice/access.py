"""Who may see a back-office page: signed in with both factors, a member of a merchant, with a role.

Permission logic lives here once (as Zulip's access helpers); views only name the role they need.
Objects are then fetched through selectors taking `request.merchant`, so another merchant's row is a 404.
"""

from collections.abc import Callable
from functools import wraps
from typing import TypeAlias

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import SimpleLazyObject

from payments.models import Merchant

from .models import Membership, Role
from .support import SupportView, support_view_get

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

ACTIVE_MERCHANT_SESSION_KEY = "bo_merchant_id"


class MerchantRequest(HttpRequest):
    """What a decorated view receives: the merchant being worked on and the user's membership of it."""

    user: AbstractBaseUser | AnonymousUser
    merchant: Merchant
    membership: Membership


View: TypeAlias = Callable[..., HttpResponse]


def is_fully_signed_in(request: HttpRequest) -> bool:
    """Password and second factor both given in this session (OTPMiddleware sets is_verified)."""
    user = request.user
    return bool(user.is_authenticated and user.is_active and getattr(user, "is_verified", lambda: False)())


def usable_memberships(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Membership]:
    """The memberships that open a merchant's back-office: active, of an active merchant."""
    return Membership.objects.filter(user_id=user.pk, is_active=True, merchant__is_active=True)


def active_membership(request: HttpRequest) -> Membership | None:
    """The membership chosen in this session, else the user's first one.

    Read on every request, so a membership deactivated by the merchant's administrator closes that
    merchant at once, even to a session opened before.
    """
    memberships = usable_memberships(request.user).select_related(
        "merchant", "merchant__default_currency", "user__temporary_password"
    )
    chosen = request.session.get(ACTIVE_MERCHANT_SESSION_KEY)
    found = memberships.filter(merchant_id=chosen).first() if chosen else None
    return found or memberships.order_by("pk").first()


def must_change_password(membership: Membership) -> bool:
    """The user signed in with a password someone else chose (a reset or a new account)."""
    try:
        return bool(membership.user.temporary_password.applies())
    except ObjectDoesNotExist:
        return False


def other_memberships(request: HttpRequest, current: Membership) -> SimpleLazyObject:
    """The user's other merchants, for the header's switch menu: read only when a page shows it."""
    return SimpleLazyObject(
        lambda: list(
            usable_memberships(request.user)
            .exclude(pk=current.pk)
            .select_related("merchant")
            .order_by("merchant__name", "merchant__code")
        )
    )


def merchant_required(
    role: str = Role.VIEWER, *, with_temporary_password: bool = False
) -> Callable[[View], View]:
    """Decorator: sign-in with two factors, a membership, and at least `role`, else no page.

    A stranger goes to the sign-in page; a user without a merchant or with too small a role gets 403.
    A user signed in with a temporary password sees the password change page before anything else
    (`with_temporary_password` marks that page).
    """

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            if (support := support_view_get(request)) is not None:
                return _as_support(request, support, view, *args, **kwargs)
            if not is_fully_signed_in(request):
                return redirect_to_login(request.get_full_path())
            membership = active_membership(request)
            if membership is None:
                return render(request, "backoffice/no_merchant.html", status=403)
            if must_change_password(membership) and not with_temporary_password:
                return redirect("backoffice:password-change")
            if not membership.allows(role):
                raise PermissionDenied
            request.membership = membership  # type: ignore[attr-defined]
            request.merchant = membership.merchant  # type: ignore[attr-defined]
            request.other_memberships = other_memberships(request, membership)  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def _as_support(
    request: HttpRequest, support: SupportView, view: View, *args: object, **kwargs: object
) -> HttpResponse:
    """Support staff viewing as the merchant (opened from the admin): every page, but never a write.

    They hold no membership: an unsaved administrator one lets them see what the merchant's administrator
    sees, and any unsafe method is refused before the view runs, so no button can change anything.
    """
    if request.method not in SAFE_METHODS:
        raise PermissionDenied
    request.membership = Membership(user=request.user, merchant=support.merchant, role=Role.ADMINISTRATOR)  # type: ignore[attr-defined,misc]
    request.merchant = support.merchant  # type: ignore[attr-defined]
    request.support_view = support  # type: ignore[attr-defined]
    return view(request, *args, **kwargs)


def can(request: MerchantRequest, role: str) -> bool:
    """For templates and views deciding what to offer: does the user hold at least `role`?"""
    return request.membership.allows(role)
