"""Reference data every installation needs: currencies, the protocol's action codes, payment methods."""

from django.db import migrations

CURRENCIES = [
    ("788", "TND", 3, "Dinar tunisien"),
    ("978", "EUR", 2, "Euro"),
    ("840", "USD", 2, "US dollar"),
]

# code: (English, French, Arabic) — protocol section 4
ACTION_CODES = {
    0: ("Approved", "Approuvée", "مقبولة"),
    -100: ("No payment attempt yet", "Aucune tentative de paiement", "لا توجد محاولة دفع بعد"),
    -2007: ("Payment session expired", "Session de paiement expirée", "انتهت صلاحية جلسة الدفع"),
    -2006: ("3-D Secure authentication failed", "Échec de l'authentification 3-D Secure", "فشل التحقق 3-D Secure"),
    -2013: ("Payment attempts exhausted", "Nombre de tentatives de paiement épuisé", "تم استنفاد محاولات الدفع"),
    -2000: ("Card blacklisted", "Carte en liste noire", "البطاقة في القائمة السوداء"),
    -2001: ("IP address blacklisted or country blocked", "Adresse IP en liste noire ou pays bloqué",
            "عنوان IP في القائمة السوداء أو البلد محظور"),
    -2002: ("Amount over the allowed limit", "Montant au-delà de la limite autorisée", "المبلغ يتجاوز الحد المسموح به"),
    5: ("Do not honour", "Refus de l'émetteur", "رفض من البنك المصدر"),
    100: ("Card restricted", "Carte restreinte", "بطاقة مقيدة"),
    101: ("Expired card", "Carte expirée", "بطاقة منتهية الصلاحية"),
    111: ("Invalid card number", "Numéro de carte invalide", "رقم البطاقة غير صالح"),
    116: ("Insufficient funds", "Provision insuffisante", "رصيد غير كاف"),
    910: ("Issuer unavailable", "Émetteur indisponible", "البنك المصدر غير متاح"),
    4005: ("Declined by merchant rule (card country blocked)", "Refusée par règle du commerçant (pays de la carte bloqué)",
           "مرفوضة بقاعدة التاجر (بلد البطاقة محظور)"),
    71015: ("Invalid card data", "Données de carte invalides", "بيانات البطاقة غير صالحة"),
}

PAYMENT_METHODS = {
    "visa": (("Visa", "Visa", "فيزا"), ("Visa card", "Carte Visa", "بطاقة فيزا")),
    "mastercard": (("Mastercard", "Mastercard", "ماستركارد"), ("Mastercard card", "Carte Mastercard", "بطاقة ماستركارد")),
    "cib": (("Domestic card", "Carte nationale", "البطاقة الوطنية"),
            ("Tunisian domestic debit card", "Carte de débit nationale tunisienne", "بطاقة الدفع الوطنية التونسية")),
}


def seed(apps, schema_editor):
    Currency = apps.get_model("payments", "Currency")
    ActionCode = apps.get_model("payments", "ActionCode")
    PaymentMethod = apps.get_model("payments", "PaymentMethod")
    for numeric, alpha, exponent, name in CURRENCIES:
        Currency.objects.update_or_create(
            numeric_code=numeric, defaults={"alpha_code": alpha, "exponent": exponent, "name": name}
        )
    for code, (en, fr, ar) in ACTION_CODES.items():
        ActionCode.objects.update_or_create(
            code=code,
            defaults={"description": fr, "description_fr": fr, "description_en": en, "description_ar": ar},
        )
    for code, ((name_en, name_fr, name_ar), (desc_en, desc_fr, desc_ar)) in PAYMENT_METHODS.items():
        PaymentMethod.objects.update_or_create(
            code=code,
            defaults={
                "name": name_fr, "name_fr": name_fr, "name_en": name_en, "name_ar": name_ar,
                "description": desc_fr, "description_fr": desc_fr, "description_en": desc_en,
                "description_ar": desc_ar,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
