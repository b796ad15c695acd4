"""Thin transports: they perform the effects the protocol flows yield, and nothing else."""

from __future__ import annotations


def describe(exc: BaseException) -> str:
    """A one-line description of a transport-level failure (no request data, so no secrets)."""
    return f"{type(exc).__name__}: {exc}"
