"""Create an API token for a user; the token is printed once, alone on the last line."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tracker_rsc.api_tokens import MAX_EXPIRES_DAYS, api_token_create


def _days(value: str) -> int:
    try:
        return int(value)
    except ValueError as exc:
        raise CommandError(
            f"--expires-days must be a whole number of days, not “{value}”; no token was created."
        ) from exc


class Command(BaseCommand):
    help = (
        "Create an API token for USERNAME (sent as 'Authorization: Token <token>'). Only its "
        "hash is stored: the token is printed once, alone on the last line. Revoke it in the "
        "admin under API tokens."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--expires-days",
            metavar="N",
            help=f"Days until the token expires (1 to {MAX_EXPIRES_DAYS}; default "
            "API_TOKEN_TTL_DAYS).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["expires_days"]
        expires_days = _days(days) if days is not None else None
        user_model = get_user_model()
        username = options["username"]
        try:
            user = user_model.objects.get(**{user_model.USERNAME_FIELD: username})
        except user_model.DoesNotExist as exc:
            raise CommandError(f"No user named “{username}”; no token was created.") from exc
        try:
            auth_token, token = api_token_create(user=user, expires_days=expires_days)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        expiry = f"expires {auth_token.expiry:%Y-%m-%d %H:%M} UTC"
        self.stdout.write(
            f"API token for {user.get_username()} ({expiry}). It is shown only now; store it "
            "safely:"
        )
        self.stdout.write(token)
