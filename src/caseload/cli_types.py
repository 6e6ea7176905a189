"""Argument types of the CLI's options that need more than a built-in type (kept apart from
cli.py, which parses and prints only)."""

from __future__ import annotations

import argparse


def serve_port(text: str) -> int:
    """A TCP port, 1 to 65535 (70000 ended ``serve`` in "unexpected OverflowError")."""
    try:
        port = int(text)
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port (a whole number, 1 to 65535)")
    return port


def public_url(text: str) -> str:
    """``serve --public-url``: http or https with a host, scheme and host in lower case (an
    upper-case ``HTTPS://`` made the page open a websocket its own policy blocks)."""
    from caseload.tui.serve import normal_public_url

    try:
        return normal_public_url(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


__all__ = ["public_url", "serve_port"]
