from modeltranslation.translator import TranslationOptions, register

from .models import PageTheme


@register(PageTheme)
class PageThemeTranslationOptions(TranslationOptions):
    fields = ("tagline",)
