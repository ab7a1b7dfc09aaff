"""The Telegram Bot API, as far as the CRM needs it: sendMessage (HTML) and getUpdates (chat linking).

Shapes follow ``../shared/formats/telegram_sendmessage.json``: a 429 carries ``parameters.retry_after``,
a 403 means the person blocked the bot, a 400 "chat not found" means a wrong chat; texts over 4096
characters are split by the CRM before sending. ``CRM_TELEGRAM_API_URL`` points tests at a local fake.
"""

from __future__ import annotations

import html
from typing import Any

import httpx
from django.conf import settings

LIMIT = 4096


class TelegramError(Exception):
    """The message could not be sent and trying again will not help."""


class TelegramBlocked(TelegramError):
    """The person blocked the bot or the chat is gone: stop sending there."""


class TelegramRetry(Exception):
    """Flood limit or a network problem: try again after ``after`` seconds."""

    def __init__(self, after: int, reason: str) -> None:
        super().__init__(reason)
        self.after = after


def configured() -> bool:
    return bool(settings.CRM_TELEGRAM_BOT_TOKEN)


def escape(text: str) -> str:
    """Text for parse_mode HTML: only &, < and > are special."""
    return html.escape(text, quote=False)


def split(text: str, limit: int = LIMIT) -> list[str]:
    """Pieces of at most ``limit`` characters, cut at line ends where possible (never inside a tag line)."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current:
        pieces.append(current)
    return pieces


def send_message(chat_id: str, text: str, url: str = "") -> list[int]:
    """Send HTML ``text`` (escaped by the caller) in as many messages as needed; returns their ids."""
    ids = []
    for piece in split(text):
        payload: dict[str, Any] = {
            "chat_id": chat_id,
            "text": piece,
            "parse_mode": "HTML",
            "link_preview_options": {"is_disabled": True},
        }
        result = _call("sendMessage", payload)
        ids.append(int(result.get("message_id", 0)))
    return ids


def get_updates(offset: int) -> list[dict[str, Any]]:
    result = _call("getUpdates", {"offset": offset, "timeout": 0, "allowed_updates": ["message"]})
    return list(result) if isinstance(result, list) else []


def _call(method: str, payload: dict[str, Any]) -> Any:
    url = f"{settings.CRM_TELEGRAM_API_URL.rstrip('/')}/bot{settings.CRM_TELEGRAM_BOT_TOKEN}/{method}"
    try:
        response = httpx.post(url, json=payload, timeout=10.0)
    except httpx.HTTPError as exc:
        raise TelegramRetry(60, f"network: {exc.__class__.__name__}") from exc
    try:
        body = response.json()
    except ValueError as exc:
        raise TelegramRetry(60, f"HTTP {response.status_code}, not JSON") from exc
    if body.get("ok"):
        return body.get("result")
    description = str(body.get("description", ""))[:300]
    code = int(body.get("error_code") or response.status_code)
    if code == 429:
        raise TelegramRetry(int((body.get("parameters") or {}).get("retry_after", 30)), description)
    if code == 403 or "chat not found" in description:
        raise TelegramBlocked(description)
    if code >= 500:
        raise TelegramRetry(60, description)
    raise TelegramError(description)
