"""Support sets a merchant's page theme here and previews the real payment page in each language."""

from typing import Any

from django import forms
from django.contrib import admin
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import URLPattern, path, reverse
from django.utils import translation
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET
from modeltranslation.admin import TranslationAdmin

from payments.models import Language

from .colours import MIN_TEXT_CONTRAST, PAGE_BACKGROUND, contrast_ratio
from .models import PageTheme
from .preview import preview_context
from .selectors import PageStyle, page_style, page_template

_COLOUR_INPUT = forms.TextInput(attrs={"type": "color"})  # a picker can only give #rrggbb


class PageThemeForm(forms.ModelForm):
    class Meta:
        model = PageTheme
        fields = ["merchant", "logo", "tagline", "brand_color", "ink_color", "custom_page_views"]
        widgets = {"brand_color": _COLOUR_INPUT, "ink_color": _COLOUR_INPUT}


def _swatch(colour: str) -> SafeString:
    # `colour` comes from page_style(), which only returns checked #rrggbb values.
    return format_html(
        '<span style="display:inline-block;width:1em;height:1em;vertical-align:middle;'
        'border:1px solid #888;background:{}"></span> <code>{}</code>',
        colour,
        colour,
    )


def _verdict(style: PageStyle) -> str:
    ratio = {"ratio": f"{style.chosen_contrast:.2f}", "minimum": f"{MIN_TEXT_CONTRAST:g}"}
    if not style.ink_replaced:
        return (
            _("The text contrasts %(ratio)s:1 with the brand colour (at least %(minimum)s:1 needed).") % ratio
        )
    return _(
        "The chosen text colour contrasts %(ratio)s:1 with the brand colour, below the %(minimum)s:1 "
        "that keeps it readable: the page uses %(ink)s instead (%(used)s:1)."
    ) % {**ratio, "ink": style.ink, "used": f"{contrast_ratio(style.brand, style.ink):.2f}"}


@admin.register(PageTheme)
class PageThemeAdmin(TranslationAdmin):
    form = PageThemeForm
    list_display = ["merchant", "brand_color", "ink_color", "contrast", "custom_page_views", "updated_at"]
    list_select_related = ["merchant"]
    search_fields = ["merchant__code", "merchant__name"]
    readonly_fields = ["contrast_report", "preview_links", "updated_at"]
    fieldsets = [
        (None, {"fields": ["merchant", "logo", "tagline"]}),
        (gettext_lazy("Colours"), {"fields": ["brand_color", "ink_color", "contrast_report"]}),
        (gettext_lazy("Page views"), {"fields": ["custom_page_views"]}),
        (gettext_lazy("Preview"), {"fields": ["preview_links", "updated_at"]}),
    ]

    @admin.display(description=gettext_lazy("contrast"))
    def contrast(self, theme: PageTheme) -> str:
        style = page_style(theme, translation.get_language())
        return f"{style.chosen_contrast:.2f}:1"

    @admin.display(description=gettext_lazy("accessibility"))
    def contrast_report(self, theme: PageTheme) -> SafeString | str:
        if theme.pk is None:
            return _("Save the theme to see how its colours read.")
        style = page_style(theme, translation.get_language())
        verdict = _verdict(style)
        lines = [
            (_("Brand colour"), _swatch(style.brand)),
            (_("Text on the brand colour, as shown"), _swatch(style.ink)),
            (_("Links and outlined buttons, as shown"), _swatch(style.brand_text)),
        ]
        note = ""
        if style.brand_text != style.brand:
            note = _(
                "The brand colour is too light for text on the page's background (%(ratio)s:1): "
                "links use a darker shade of it."
            ) % {"ratio": f"{contrast_ratio(style.brand, PAGE_BACKGROUND):.2f}"}
        return format_html(
            "<p><strong>{}</strong></p><ul>{}</ul><p>{}</p><p>{}</p>",
            verdict,
            format_html_join("", "<li>{}: {}</li>", lines),
            note,
            _("Error messages always keep the page's red, whatever the colours."),
        )

    @admin.display(description=gettext_lazy("preview"))
    def preview_links(self, theme: PageTheme) -> SafeString | str:
        if theme.pk is None:
            return _("Save the theme to preview the payment page.")
        views = ["", *theme.page_views]  # a view without its template previews as the standard page
        links = [
            (self._preview_url(theme, code, view), f"{name}{' · ' + view if view else ''}")
            for view in views
            for code, name in Language.choices
        ]
        return format_html(
            "<p>{}</p><ul>{}</ul>",
            _("The real payment page with a sample order, as saved (save first to see changes):"),
            format_html_join("", '<li><a href="{}" target="_blank" rel="noopener">{}</a></li>', links),
        )

    def _preview_url(self, theme: PageTheme, lang: str, view: str = "") -> str:
        url = reverse("admin:theming_pagetheme_preview", args=[theme.pk, lang])
        return f"{url}?view={view}" if view else url

    def get_urls(self) -> list[URLPattern]:
        preview = path(
            "<int:theme_id>/preview/<str:lang>/",
            self.admin_site.admin_view(require_GET(self.preview_view)),
            name="theming_pagetheme_preview",
        )
        return [preview, *super().get_urls()]

    def preview_view(self, request: HttpRequest, theme_id: int, lang: str) -> HttpResponse:
        theme = get_object_or_404(PageTheme.objects.select_related("merchant"), pk=theme_id)
        if not self.has_view_permission(request, theme) or lang not in Language.values:
            raise Http404
        view = request.GET.get("view", "")
        if view and view not in theme.page_views:
            raise Http404
        with translation.override(lang):
            context: dict[str, Any] = preview_context(
                theme=theme, lang=lang, url=lambda code: self._preview_url(theme, code, view)
            )
            template = page_template(merchant=theme.merchant, page_view=view or "DESKTOP")
            return render(request, template, context)
