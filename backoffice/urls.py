from django.urls import path, re_path
from django.views.i18n import set_language

from .views import (
    audit,
    auth,
    blacklist,
    contract,
    dashboard,
    exports,
    extractions,
    moto,
    order_actions,
    orders,
    remittances,
    users,
)

app_name = "backoffice"

urlpatterns = [
    path("", dashboard.dashboard_page, name="home"),
    path("login/", auth.login_page, name="login"),
    path("login/code/", auth.login_code_page, name="login-code"),
    path("login/setup/", auth.login_setup_page, name="login-setup"),
    path("logout/", auth.logout_page, name="logout"),
    path("password/", auth.password_change_page, name="password-change"),
    path("language/", set_language, name="language"),
    path("orders/", orders.order_list_page, name="order-list"),
    path("orders/<str:order_id>/", orders.order_detail_page, name="order-detail"),
    path("orders/<str:order_id>/cancel/", order_actions.order_cancel_page, name="order-cancel"),
    path("orders/<str:order_id>/refund/", order_actions.order_refund_page, name="order-refund"),
    path("orders/<str:order_id>/blacklist/", order_actions.order_blacklist_page, name="order-blacklist"),
    path("blacklist/", blacklist.blacklist_list_page, name="blacklist"),
    path("blacklist/<int:entry_id>/remove/", blacklist.blacklist_remove_page, name="blacklist-remove"),
    path("moto/", moto.moto_page, name="moto"),
    path("contract/", contract.contract_page, name="contract"),
    path("contract/api-accounts/<int:account_id>/password/", contract.api_password_page, name="api-password"),
    path("contract/callback-key/", contract.callback_key_page, name="callback-key"),
    path("audit/", audit.audit_list_page, name="audit"),
    # Exports of the orders search, and the daily extraction files (issue 4 part 7, issue 6 part 3)
    path("exports/", exports.export_create_page, name="export-create"),
    path("exports/<int:export_id>/", exports.export_detail_page, name="export-detail"),
    path("exports/<int:export_id>/download/", exports.export_download_page, name="export-download"),
    path("extractions/", extractions.extraction_list_page, name="extraction-list"),
    path("extractions/token/", extractions.extraction_token_page, name="extraction-token"),
    path(
        "extractions/<str:business_date>/download/",
        extractions.extraction_download_page,
        name="extraction-download",
    ),
    re_path(
        r"^api/extractions/(?P<business_date>\d{4}-\d{2}-\d{2})\.(?P<format>csv|xlsx)$",
        extractions.extraction_api,
        name="extraction-api",
    ),
    # The merchant's users, for its administrators, and switching merchants
    path("users/", users.user_list_page, name="user-list"),
    path("users/new/", users.user_create_page, name="user-create"),
    path("users/<int:user_id>/", users.user_detail_page, name="user-detail"),
    path("users/<int:user_id>/role/", users.user_role_page, name="user-role"),
    path(
        "users/<int:user_id>/deactivate/", users.user_access_page, {"active": False}, name="user-deactivate"
    ),
    path("users/<int:user_id>/reactivate/", users.user_access_page, {"active": True}, name="user-reactivate"),
    path("users/<int:user_id>/password/", users.user_password_page, name="user-password"),
    path("users/<int:user_id>/two-factor/", users.user_two_factor_page, name="user-two-factor"),
    path("merchant/", users.merchant_switch_page, name="merchant-switch"),
    path("remittances/", remittances.remittance_list_page, name="remittance-list"),
    path("remittances/<int:remittance_id>/", remittances.remittance_detail_page, name="remittance-detail"),
    path("remittances/<int:remittance_id>/file/", remittances.remittance_file_page, name="remittance-file"),
]
