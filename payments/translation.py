from modeltranslation.translator import TranslationOptions, register

from .models import ActionCode, PaymentMethod


@register(ActionCode)
class ActionCodeTranslationOptions(TranslationOptions):
    fields = ("description",)


@register(PaymentMethod)
class PaymentMethodTranslationOptions(TranslationOptions):
    fields = ("name", "description")
