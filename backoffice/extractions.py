"""Daily extraction files ("extractions quotidiennes"): each day's remitted transactions, per merchant.

For every merchant with the option on, after the day's remittance: one file (the merchant's format,
CSV or XLSX) with the columns of the back-office export (exports.py), stored through default_storage,
listed in the back-office, optionally e-mailed, and downloadable by the merchant's systems with a token.

Rows: every order remitted in one of the merchant's remittances of that business day, and every order
whose refund was credited in one of them (a refund shows as its order's row, refunded amount included;
an order sold and refunded in the same day appears once). Labels and decimals follow the merchant's
default language.
"""

import hashlib
import logging
import secrets
import tempfile
from datetime import date

from django.core.files import File
from django.core.files.storage import default_storage
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext

from payments.models import (
    Merchant,
    Operation,
    OperationKind,
    Order,
    Remittance,
    RemittanceSale,
    RemittanceStatus,
)

from . import exports
from .models import DailyExtraction, ExportFormat, ExtractionSettings

logger = logging.getLogger(__name__)

EMAIL_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024  # larger files are only announced, to download


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def extraction_token_rotate(*, merchant: Merchant) -> str:
    """A new API token for the merchant's systems, returned once; only its hash is kept, the old one
    stops working at once. Not idempotent: each call makes a new token."""
    token = secrets.token_urlsafe(32)
    ExtractionSettings.objects.update_or_create(
        merchant=merchant, defaults={"token_hash": token_hash(token), "token_created_at": timezone.now()}
    )
    return token


def extraction_settings_for_token(token: str) -> ExtractionSettings | None:
    if not token:
        return None
    return ExtractionSettings.objects.select_related("merchant").filter(token_hash=token_hash(token)).first()


def extraction_orders(*, merchant: Merchant, business_date: date) -> QuerySet[Order]:
    remittances = Remittance.objects.filter(merchant=merchant, business_date=business_date)
    sold = RemittanceSale.objects.filter(remittance__in=remittances).order_by().values("order_id")
    refunded = (
        Operation.objects.filter(kind=OperationKind.REFUND, success=True, remittance__in=remittances)
        .order_by()
        .values("order_id")
    )
    # One list of ids, read from the day's sales and refunds by their indexes: an OR of the two would
    # read every order the merchant ever had.
    return Order.objects.filter(merchant=merchant, pk__in=sold.union(refunded)).order_by("created_at", "id")


def extraction_build(*, merchant: Merchant, business_date: date) -> DailyExtraction | None:
    """Build the merchant's file of `business_date`. Returns it, or None while one of that day's
    remittances is not DONE (the next run builds it). Idempotent: an existing file is returned as is.
    Raises ExportTooLarge for an XLSX of more rows than a sheet holds.
    """
    existing = DailyExtraction.objects.filter(merchant=merchant, business_date=business_date).first()
    if existing is not None:
        return existing
    day = Remittance.objects.filter(merchant=merchant, business_date=business_date)
    if day.exclude(status=RemittanceStatus.DONE).exists():
        return None
    settings_ = ExtractionSettings.objects.filter(merchant=merchant).first()
    format = settings_.format if settings_ else ExportFormat.XLSX
    queryset = extraction_orders(merchant=merchant, business_date=business_date)
    name = f"extractions/{merchant.code}/{merchant.code}-{business_date:%Y%m%d}.{format}"
    with translation.override(merchant.default_language), tempfile.TemporaryFile() as temp:
        write = exports.xlsx_write if format == ExportFormat.XLSX else exports.csv_write
        rows = write(queryset, temp)
        temp.seek(0)
        saved = default_storage.save(name, File(temp, name=name))
    try:
        with transaction.atomic():
            return DailyExtraction.objects.create(
                merchant=merchant, business_date=business_date, format=format, file=saved, row_count=rows
            )
    except IntegrityError:  # a concurrent run recorded it first: keep theirs
        default_storage.delete(saved)
        return DailyExtraction.objects.get(merchant=merchant, business_date=business_date)


def extraction_email(*, extraction: DailyExtraction) -> bool:
    """E-mail the file to the merchant's addresses, once: the send is claimed first (emailed_at), so a
    crash after the claim loses the mail rather than sending it twice. Returns whether it was sent now.
    """
    settings_ = ExtractionSettings.objects.filter(merchant_id=extraction.merchant_id).first()
    recipients = settings_.email_list if settings_ else []
    if not recipients:
        return False
    claimed = DailyExtraction.objects.filter(pk=extraction.pk, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
    if claimed != 1:
        return False
    merchant = extraction.merchant
    with translation.override(merchant.default_language):
        message = EmailMessage(
            subject=gettext("ClicToPay daily extraction of %(date)s") % {"date": extraction.business_date},
            body=gettext("%(count)s transactions remitted to the bank on %(date)s for %(merchant)s.")
            % {"count": extraction.row_count, "date": extraction.business_date, "merchant": merchant.name},
            to=recipients,
        )
    if extraction.file.size <= EMAIL_ATTACHMENT_MAX_BYTES:
        with extraction.file.open("rb") as handle:
            message.attach(extraction.file.name.rsplit("/", 1)[-1], handle.read())
    message.send()
    return True


def extractions_run(*, business_date: date) -> list[int]:
    """Build (and e-mail) the files of `business_date` for every merchant with the option on.
    Returns the ids of the day's extractions. Idempotent: running it again changes nothing.
    """
    done = []
    enabled = ExtractionSettings.objects.filter(enabled=True, merchant__is_active=True).select_related(
        "merchant"
    )
    for settings_ in enabled.order_by("merchant_id"):
        try:
            extraction = extraction_build(merchant=settings_.merchant, business_date=business_date)
        except exports.ExportTooLarge:
            logger.error("extraction %s %s: too many rows for XLSX", settings_.merchant.code, business_date)
            continue
        if extraction is not None:
            extraction_email(extraction=extraction)
            done.append(extraction.pk)
    return done


def extraction_settings_update(
    *, merchant: Merchant, enabled: bool, format: str, emails: str
) -> ExtractionSettings:
    """Turn the option on or off, choose the format and the addresses. Idempotent."""
    settings_, _created = ExtractionSettings.objects.update_or_create(
        merchant=merchant, defaults={"enabled": enabled, "format": format, "emails": emails}
    )
    return settings_
