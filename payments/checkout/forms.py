"""The card form. Malformed card data is corrected here and never counts as a payment attempt."""

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from payments.cards import CardData, card_brand, digits_only, luhn_valid

BRAND_METHOD = {"VISA": "visa", "MASTERCARD": "mastercard"}


class CardForm(forms.Form):
    # The page writes its inputs by hand (autocomplete attributes, no echo of the number or the CVV).
    pan = forms.CharField(label=_("Card number"), max_length=23, required=False)
    expiry = forms.CharField(label=_("Expiry date (MM/YY)"), max_length=7)
    cvv = forms.CharField(label=_("Security code (CVV)"), max_length=4)
    cardholder_name = forms.CharField(label=_("Cardholder name"), max_length=64)

    def __init__(self, *args, accepted_methods: set[str], kept_pan: str = "", **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.accepted_methods = accepted_methods
        self.kept_pan = kept_pan  # a number already checked, kept server-side, never echoed

    def clean_pan(self) -> str:
        pan = digits_only(self.cleaned_data.get("pan", ""))
        if not pan and self.kept_pan:
            return self.kept_pan
        if not pan:
            raise forms.ValidationError(_("Enter the card number."))
        if not luhn_valid(pan):
            raise forms.ValidationError(_("This card number is not valid. Check it and try again."))
        brand = card_brand(pan)
        if BRAND_METHOD.get(brand) not in self.accepted_methods:
            raise forms.ValidationError(_("This type of card is not accepted by the merchant."))
        return pan

    def clean_expiry(self) -> tuple[int, int]:
        raw = digits_only(self.cleaned_data["expiry"])
        if len(raw) not in (4, 6):
            raise forms.ValidationError(_("Enter the expiry date as MM/YY."))
        month, year = int(raw[:2]), int(raw[2:])
        year = year + 2000 if year < 100 else year
        if not 1 <= month <= 12:
            raise forms.ValidationError(_("Enter the expiry date as MM/YY."))
        today = date.today()
        if (year, month) < (today.year, today.month):
            raise forms.ValidationError(_("This card has expired."))
        return month, year

    def clean_cvv(self) -> str:
        cvv = self.cleaned_data["cvv"].strip()
        if not (cvv.isascii() and cvv.isdigit() and len(cvv) in (3, 4)):
            raise forms.ValidationError(_("Enter the 3 digits printed on the back of the card."))
        return cvv

    def card(self) -> CardData:
        month, year = self.cleaned_data["expiry"]
        return CardData(
            pan=self.cleaned_data["pan"],
            expiry_month=month,
            expiry_year=year,
            cvv=self.cleaned_data["cvv"],
            cardholder_name=self.cleaned_data["cardholder_name"].strip(),
        )
