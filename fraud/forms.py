"""Admin forms: they parse and validate input; services do the writing."""

import csv
import io
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fraud.models import BIN_MAX_DIGITS, BinRange, BlacklistEntry, CountryRule, RuleMode
from fraud.selectors import IMPACT_DAYS, country_rule_impact, recent_tried_orders

_COUNTRY = re.compile(r"^[A-Z]{2}$")
_PREFIX = re.compile(rf"^[0-9]{{1,{BIN_MAX_DIGITS}}}$")
CSV_COLUMNS = ("low", "high", "brand", "country", "issuer")
CSV_MAX_BYTES = 5 * 1024 * 1024
CSV_MAX_ERRORS = 20
RULE_FIELDS = ("ip_mode", "ip_countries", "ip_unknown", "card_mode", "card_countries", "card_unknown")


def bin_row_errors(*, low: str, high: str, country: str) -> list[str]:
    """What is wrong with one BIN range; shared by the admin form and the CSV import."""
    if not _PREFIX.match(low) or not _PREFIX.match(high):
        return [_("The prefixes must be 1 to 8 digits.")]
    if len(low) != len(high):
        return [_("The lowest and highest prefixes must have the same number of digits.")]
    if low > high:
        return [_("The lowest prefix must not be above the highest.")]
    if country and not _COUNTRY.match(country):
        return [_("The country must be a two-letter ISO code, such as TN.")]
    return []


class BinRangeForm(forms.ModelForm):
    class Meta:
        model = BinRange
        fields = ["low", "high", "brand", "country", "issuer", "source"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["country"] = data.get("country", "").strip().upper()
        data["brand"] = data.get("brand", "").strip().upper()
        for error in bin_row_errors(
            low=data.get("low", ""), high=data.get("high", ""), country=data["country"]
        ):
            raise ValidationError(error)
        return data


class BinCsvImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy("Columns: low, high, brand, country, issuer (with this header line)."),
    )

    def clean_file(self) -> list[dict[str, str]]:
        upload = self.cleaned_data["file"]
        if upload.size > CSV_MAX_BYTES:
            raise ValidationError(_("The file is too large (5 MB at most)."))
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise ValidationError(_("The file must be UTF-8 text.")) from error
        reader = csv.DictReader(io.StringIO(text))
        missing = [name for name in CSV_COLUMNS if name not in (reader.fieldnames or [])]
        if missing:
            raise ValidationError(_("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)})
        rows, errors, seen = [], [], {}
        for row in reader:
            line = reader.line_num
            clean = {name: (row.get(name) or "").strip() for name in CSV_COLUMNS}
            clean["country"], clean["brand"] = clean["country"].upper(), clean["brand"].upper()[:16]
            clean["issuer"] = clean["issuer"][:128]
            problems = bin_row_errors(low=clean["low"], high=clean["high"], country=clean["country"])
            bounds = (clean["low"], clean["high"])
            if not problems and bounds in seen:
                problems = [_("The same range is on line %(line)s.") % {"line": seen[bounds]}]
            seen.setdefault(bounds, line)
            errors += [_("Line %(line)s: %(error)s") % {"line": line, "error": p} for p in problems]
            rows.append(clean)
        if errors:  # all or nothing: a half-imported table is worse than none
            raise ValidationError(errors[:CSV_MAX_ERRORS])
        if not rows:
            raise ValidationError(_("The file has no rows."))
        return rows


class CountryListField(forms.CharField):
    """ISO alpha-2 codes typed as "TN, FR"; stored as a sorted list."""

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        if isinstance(value, list):
            value = ",".join(value)
        codes = {code.strip().upper() for code in re.split(r"[\s,;]+", str(value or "")) if code.strip()}
        bad = sorted(code for code in codes if not _COUNTRY.match(code))
        if bad:
            raise ValidationError(
                _("Not two-letter ISO country codes: %(codes)s.") % {"codes": ", ".join(bad)}
            )
        return sorted(codes)

    def prepare_value(self, value: Any) -> str:
        return ", ".join(value) if isinstance(value, list) else str(value or "")


class CountryRuleForm(forms.ModelForm):
    """Saving needs two submissions with the same values: the first shows what the rule would have refused."""

    ip_countries = CountryListField(label=gettext_lazy("IP countries"), required=False)
    card_countries = CountryListField(label=gettext_lazy("card countries"), required=False)
    impact_token = forms.CharField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = CountryRule
        fields = ["merchant", *RULE_FIELDS]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for part in ("ip", "card"):
            if data.get(f"{part}_mode") == RuleMode.ALLOW_ONLY and not data.get(f"{part}_countries"):
                self.add_error(f"{part}_countries", _("List the countries to accept."))
        merchant = data.get("merchant") or getattr(self.instance, "merchant", None)
        if self.errors or merchant is None:
            return data
        preview = CountryRule(merchant=merchant, **{name: data.get(name) for name in RULE_FIELDS})
        token = salted_hmac(
            "fraud.country-rule-impact", repr((merchant.pk, _rule_values(preview)))
        ).hexdigest()
        if data.get("impact_token") != token:
            self.data = self.data.copy()  # the re-rendered form carries the token of what was shown
            self.data[self.add_prefix("impact_token")] = token
            refused = country_rule_impact(merchant=merchant, rule=preview)
            total = recent_tried_orders(merchant=merchant).count()
            raise ValidationError(
                _(
                    "This rule would have refused %(refused)s of the %(total)s orders this merchant's buyers "
                    "tried to pay in the last %(days)s days. Check the figure, then save again to apply it."
                )
                % {"refused": refused, "total": total, "days": IMPACT_DAYS}
            )
        return data


def _rule_values(rule: CountryRule) -> tuple[Any, ...]:
    return tuple(getattr(rule, name) for name in RULE_FIELDS)


class BlacklistAddForm(forms.ModelForm):
    """Support adds a card from one of the merchant's orders: the order's stored hash, never a number."""

    class Meta:
        model = BlacklistEntry
        fields = ["order", "reason", "expires_at"]

    def clean_order(self) -> Any:
        order = self.cleaned_data["order"]
        if order is None or not order.pan_hmac:
            raise ValidationError(_("Choose an order paid or attempted with a card."))
        return order

    def clean_expires_at(self) -> Any:
        expires_at = self.cleaned_data.get("expires_at")
        if expires_at and expires_at <= timezone.now():
            raise ValidationError(_("The expiry date of a blacklist entry must be in the future."))
        return expires_at
