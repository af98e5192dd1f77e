"""Enable the LinkedIn integration from the command line (the admin's Enable button, scripted)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tracker_rsc.services import integration_enable


class Command(BaseCommand):
    help = (
        "Enable the LinkedIn integration for the whole database: records who and when, "
        "creates the contracts, then registers with LinkedIn and starts the bulk sync. "
        "Running it again changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--organization",
            required=True,
            metavar="URN",
            help="The LinkedIn organization, e.g. urn:li:organization:2414183.",
        )
        parser.add_argument(
            "--contract",
            action="append",
            default=[],
            dest="contracts",
            metavar="URN",
            help="A Recruiter contract, e.g. urn:li:contract:100 (repeat for several).",
        )
        parser.add_argument(
            "--user",
            metavar="USERNAME",
            help="The Tracker user recorded as having enabled it (default: nobody).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        actor = None
        if username := options["user"]:
            user_model = get_user_model()
            try:
                actor = user_model.objects.get(**{user_model.USERNAME_FIELD: username})
            except user_model.DoesNotExist as exc:
                raise CommandError(f"No user named “{username}”; nothing was changed.") from exc
            if not actor.is_active:
                raise CommandError(f"The user “{username}” is inactive; nothing was changed.")
        try:
            integration, created = integration_enable(
                organization_urn=options["organization"],
                contract_urns=options["contracts"],
                actor=actor,
            )
        except ValidationError as exc:
            raise CommandError(
                " ".join(message for message in exc.messages) + " Nothing was changed."
            ) from exc
        if not created:
            by = f" by {integration.enabled_by.get_username()}" if integration.enabled_by else ""
            when = (
                f" on {integration.enabled_at:%Y-%m-%d %H:%M} UTC" if integration.enabled_at else ""
            )
            self.stdout.write(
                f"The integration was already enabled for {integration.organization_urn}"
                f"{when}{by}; nothing changed."
            )
            return
        contracts = ", ".join(dict.fromkeys(urn.strip() for urn in options["contracts"])) or "none"
        self.stdout.write(
            self.style.SUCCESS(
                f"Enabled the LinkedIn integration for {integration.organization_urn} "
                f"(contracts: {contracts})."
            )
        )
        self.stdout.write(f"Callback URL: {integration.callback_url}")
        self.stdout.write("Registering with LinkedIn and starting the bulk sync.")
