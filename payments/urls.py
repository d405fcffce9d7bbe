from django.urls import include, path, re_path

from . import views

app_name = "payments"

urlpatterns = [
    path("rest/", include("payments.protocol.urls")),
    re_path(
        r"^merchants/(?P<merchant_code>[-\w]+)/payment_(?P<lang>[a-z]{2})\.html$",
        views.payment_page,
        name="payment-page",
    ),
    re_path(
        r"^merchants/(?P<merchant_code>[-\w]+)/mobile_payment_(?P<lang>[a-z]{2})\.html$",
        views.payment_page,
        {"mobile": True},
        name="payment-page-mobile",
    ),
]
