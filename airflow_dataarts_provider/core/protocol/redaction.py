# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""Keeping secrets out of text (pure): :func:`redact` removes every known secret by value, whatever
surrounds it; :func:`scrub` does it to an error in place; :func:`mask_secrets` masks the token headers
of a canonical request by name (for tokens this process does not know, such as a server's quote)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import TypeVar
from urllib.parse import quote, quote_plus

E = TypeVar("E", bound=BaseException)


_SECURITY_TOKEN_RE = re.compile(r"(?i)(x-security-token\s*:\s*)([^\s|\n\"',]+)")


_AUTH_TOKEN_RE = re.compile(r"(?i)(x-auth-token\s*:\s*)([^\s|\n\"',]+)")


#: What a redacted secret reads as.
REDACTED = "***"


#: Secrets shorter than this are not searched for in text (they would blank out ordinary words).
MIN_REDACTED_LENGTH = 4


def _forms(secret: str) -> set[str]:
    """How a secret may appear in a server's text: as is, percent-encoded, form-encoded, JSON-escaped."""
    return {secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1]}


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every occurrence of every secret (in any of its usual encodings) replaced by
    :data:`REDACTED`, whatever surrounds it: by value, not by the header or key it follows."""
    forms = {form for secret in secrets if len(secret) >= MIN_REDACTED_LENGTH for form in _forms(secret)}
    for form in sorted(forms, key=len, reverse=True):
        if form in text:
            text = text.replace(form, REDACTED)
    if any(form in text for form in forms):  # the marker and its neighbours spelled a secret again
        return "[withheld: the text contained a secret]"
    return text


def scrub(exc: E, secrets: Iterable[str]) -> E:
    """Remove ``secrets`` from the error's text and text attributes (in place; returned for chaining).
    The engine scrubs every error that leaves it, so server text echoing a secret (a password, a token,
    a key) reaches no message, log, Test button or trigger event."""
    values = [s for s in secrets if len(s) >= MIN_REDACTED_LENGTH]
    if values:
        for name, value in vars(exc).items():
            if isinstance(value, str):
                setattr(exc, name, redact(value, values))
        exc.args = tuple(redact(a, values) if isinstance(a, str) else a for a in exc.args)
    return exc


def mask_secrets(text: str) -> str:
    """Mask security-token and auth-token header values inside ``text`` (e.g. a canonical request)."""
    text = _SECURITY_TOKEN_RE.sub(r"\1****", text)
    return _AUTH_TOKEN_RE.sub(r"\1****", text)
