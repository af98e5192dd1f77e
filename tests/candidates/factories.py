from __future__ import annotations

import factory
from django.utils import timezone

from candidates.models import Candidate, CandidateSkill, MemberLink, QuickSkill
from candidates.normalize import normalize_skill


class CandidateFactory(factory.django.DjangoModelFactory):
    """Builds candidates with their duplicate-check keys computed, as the services do."""

    class Meta:
        model = Candidate

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttributeSequence(
        lambda c, n: f"{c.first_name}.{c.last_name}.{n}@mail.example".lower()
    )
    phone = factory.Faker("phone_number")
    current_title = factory.Faker("job")
    current_company = factory.Faker("company")
    location = factory.Faker("city")
    source = Candidate.Source.MANUAL
    created_at = factory.LazyFunction(timezone.now)
    updated_at = factory.LazyFunction(timezone.now)

    @classmethod
    def _create(cls, model_class: type[Candidate], *args: object, **kwargs: object) -> Candidate:
        candidate = model_class(*args, **kwargs)
        candidate.refresh_keys()
        candidate.save()
        return candidate


class MemberLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MemberLink

    candidate = factory.SubFactory(CandidateFactory)
    person_urn = factory.Sequence(lambda n: f"urn:li:person:m{n}")
    method = MemberLink.Method.LIVE_SYNC
    matched_on = MemberLink.MatchedOn.LINKEDIN


class QuickSkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QuickSkill
        django_get_or_create = ("key",)

    name = factory.Sequence(lambda n: f"Skill {n}")
    key = factory.LazyAttribute(lambda s: normalize_skill(s.name))


class CandidateSkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CandidateSkill

    candidate = factory.SubFactory(CandidateFactory)
    skill = factory.SubFactory(QuickSkillFactory)
