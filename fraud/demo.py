"""Demo data for fraud screening: the BIN table rows of the test cards (protocol section 8)."""

from fraud.models import BinRange

DEMO_SOURCE = "demo (protocol section 8)"

# (prefix, brand, country, issuer): the "Issuer country" column of the test-card table.
TEST_CARD_BINS: tuple[tuple[str, str, str, str], ...] = (
    ("411111", "VISA", "US", "Simulator Bank US"),
    ("555555", "MASTERCARD", "TN", "Banque Simulateur Tunisie"),
    ("497010", "VISA", "FR", "Banque Simulateur France"),
    ("520000", "MASTERCARD", "TN", "Banque Simulateur Tunisie"),
    ("400000", "VISA", "US", "Simulator Bank US"),
)


def seed_bin_ranges() -> int:
    """Create or refresh the test cards' BIN ranges. Safe to run twice; returns how many were created."""
    created = 0
    for prefix, brand, country, issuer in TEST_CARD_BINS:
        _row, was_created = BinRange.objects.update_or_create(
            low=prefix,
            high=prefix,
            defaults={"brand": brand, "country": country, "issuer": issuer, "source": DEMO_SOURCE},
        )
        created += was_created
    return created
