from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def home_page(request: HttpRequest) -> HttpResponse:
    # The merchant portal is being built; until then it says so instead of answering 404.
    return render(request, "backoffice/coming_soon.html")
