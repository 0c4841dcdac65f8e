"""Deploy checks: `govperf check --deploy` fails on these (Django's own add warnings)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.checks import Error, Tags, register


def _embedded_secret_key() -> str | None:
    path = Path(settings.VAR_DIR) / "secret_key"
    try:
        return path.read_text().strip()
    except OSError:
        return None


def _secret_key_unsafe() -> bool:
    key = settings.SECRET_KEY
    return (
        not settings.SECRET_KEY_FROM_ENV
        # SECRET_KEY= (empty) in the environment falls back to the embedded key.
        or key == _embedded_secret_key()
        or len(key) < 50
        or len(set(key)) < 5
        or key.startswith("django-insecure-")
    )


@register(Tags.security, deploy=True)
def unsafe_production_settings(app_configs, **kwargs) -> list[Error]:
    errors = []
    if settings.DEBUG:
        errors.append(
            Error(
                "DEBUG is on. 调试模式已开启：生产环境请设置 GOVPERF_DEBUG=0。",
                hint="Set GOVPERF_DEBUG=0 (or leave it unset).",
                id="govperf.E001",
            )
        )
    if _secret_key_unsafe():
        errors.append(
            Error(
                "SECRET_KEY is the embedded default or too short. 未设置 SECRET_KEY 或长度不足 50。",
                hint="Set SECRET_KEY in the environment to a random string of at least 50 characters.",
                id="govperf.E002",
            )
        )
    if (
        not settings.ALLOWED_HOSTS_FROM_ENV
        or not settings.ALLOWED_HOSTS
        or "*" in settings.ALLOWED_HOSTS
    ):
        errors.append(
            Error(
                "ALLOWED_HOSTS is not set. 未设置 ALLOWED_HOSTS（不得为 *）。",
                hint="Set ALLOWED_HOSTS to the comma-separated host names the site is served under.",
                id="govperf.E003",
            )
        )
    if not settings.SESSION_COOKIE_SECURE or not settings.CSRF_COOKIE_SECURE:
        errors.append(
            Error(
                "Cookies are not marked secure. Cookie 未设置 Secure 属性。",
                hint="Serve over HTTPS and leave GOVPERF_SECURE_COOKIES unset (or 1).",
                id="govperf.E004",
            )
        )
    return errors
