from __future__ import annotations

import factory
from django.contrib.auth import get_user_model

from tracker_rsc.models import Contract, Integration, LinkedInSeat


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@agency.example")
    password = factory.PostGenerationMethodCall("set_password", "pass-word-123")
    is_active = True

    @factory.post_generation
    def _save(obj, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            obj.save()


class AdminUserFactory(UserFactory):
    is_staff = True
    is_superuser = True


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract
        django_get_or_create = ("urn",)

    urn = factory.Sequence(lambda n: f"urn:li:contract:{100 + n}")
    name = factory.Sequence(lambda n: f"Agency contract {n}")
    access_level = Contract.AccessLevel.CONTRACT


class LinkedInSeatFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LinkedInSeat

    user = factory.SubFactory(UserFactory)
    seat_urn = factory.Sequence(lambda n: f"urn:li:seat:{5000 + n}")
    person_urn = factory.Sequence(lambda n: f"urn:li:person:seat{n}")
    contract = factory.SubFactory(ContractFactory)
    first_name = factory.LazyAttribute(lambda s: s.user.first_name if s.user else "Sam")
    last_name = factory.LazyAttribute(lambda s: s.user.last_name if s.user else "Seat")
    product = LinkedInSeat.Product.RECRUITER
    role = LinkedInSeat.Role.RECRUITER_USER
    active = True


def enabled_integration(organization_urn: str = "urn:li:organization:2414183") -> Integration:
    integration = Integration.get()
    integration.status = Integration.Status.ENABLED
    integration.organization_urn = organization_urn
    from django.utils import timezone

    integration.enabled_at = timezone.now()
    integration.save()
    return integration
