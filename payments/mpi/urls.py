from django.urls import path

from . import acs

app_name = "acs"

# The issuer's own URL space (ACS simulator), apart from the gateway's.
urlpatterns = [
    path("challenge/<str:token>/", acs.challenge_page, name="challenge"),
]
