from django.urls import include, path, re_path

from .checkout import views as checkout
from .mpi import views as mpi

app_name = "payments"

urlpatterns = [
    path("rest/", include("payments.protocol.urls")),
    re_path(
        r"^merchants/(?P<merchant_code>[-\w]+)/payment_(?P<lang>[a-z]{2})\.html$",
        checkout.payment_page,
        name="payment-page",
    ),
    re_path(
        r"^merchants/(?P<merchant_code>[-\w]+)/mobile_payment_(?P<lang>[a-z]{2})\.html$",
        checkout.payment_page,
        {"mobile": True},
        name="payment-page-mobile",
    ),
    path("result/<uuid:order_id>/", checkout.result_page, name="result"),
    path("back/<uuid:order_id>/", checkout.back_to_shop, name="back"),
    path("mpi/return/", mpi.mpi_return, name="mpi-return"),
]
