from django.urls import path

from . import views

# Paths fixed by the protocol: shops call exactly these.
urlpatterns = [
    path("register.do", views.register),
    path("registerPreAuth.do", views.register_pre_auth),
    path("deposit.do", views.deposit),
    path("reverse.do", views.reverse),
    path("refund.do", views.refund),
    path("getOrderStatus.do", views.get_order_status),
    path("getOrderStatusExtended.do", views.get_order_status_extended),
]
