"""``check --deploy`` warns when production runs without the second factor (docs/security.md)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def second_factor_on(app_configs: Any, **kwargs: Any) -> list[Warning]:
    if settings.SECOND_FACTOR_REQUIRED:
        return []
    return [
        Warning(
            "SECOND_FACTOR_REQUIRED is off: decisions and the admin need only a password.",
            hint="Set SECOND_FACTOR_REQUIRED=1 (default when DEBUG is off); off only for the embedded demo.",
            id="security.W001",
        )
    ]
