from django.urls import path

from . import views

app_name = "legacy"

urlpatterns = [
    path("", views.legacy_form_page, name="form"),
    path("return/", views.legacy_return_page, name="return"),
]
