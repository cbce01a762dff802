from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .selectors import actor_for


def roles(request: HttpRequest) -> dict[str, Any]:
    return {"actor": actor_for(getattr(request, "user", None))}
