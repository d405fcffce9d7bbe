import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHOW = (
    "from django.conf import settings; "
    "print(sorted(settings.CARD_HASH_OLD_KEYS.items()), settings.TRUSTED_PROXIES)"
)


def run_settings(**env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "clictopay.settings",
        "CARD_HASH_KEY_ID": "k1",
        **env,
    }
    return subprocess.run(  # noqa: S603  our own interpreter, fixed arguments
        [sys.executable, "-c", SHOW], cwd=ROOT, env=environment, capture_output=True, text=True, check=False
    )


def test_old_hash_keys_and_proxies_are_read_from_the_environment():
    result = run_settings(
        CARD_HASH_OLD_KEYS="k0:oldsecret,k-1:old:er", TRUSTED_PROXIES="10.0.0.0/8,192.0.2.1"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[('k-1', 'old:er'), ('k0', 'oldsecret')] ['10.0.0.0/8', '192.0.2.1']"


def test_malformed_old_hash_keys_fail_loudly():
    for bad in ("justakey", "k1:same-id-as-the-current-key", ":nokeyid"):
        result = run_settings(CARD_HASH_OLD_KEYS=bad)
        assert result.returncode != 0 and "CARD_HASH_OLD_KEYS" in result.stderr
