from __future__ import annotations

import factory

from tracker_rsc.sandbox.models import Contract, HiringProject, Member, Seat


class SandboxContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract
        django_get_or_create = ("urn",)

    urn = "urn:li:contract:100"
    name = "Agency Recruiter contract"
    organization_urn = "urn:li:organization:2414183"


class SandboxSeatFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Seat

    urn = factory.Sequence(lambda n: f"urn:li:seat:{6000 + n}")
    contract = factory.SubFactory(SandboxContractFactory)
    person_urn = factory.Sequence(lambda n: f"urn:li:person:recruiter{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    product = Seat.Product.RECRUITER
    role = Seat.Role.RECRUITER_USER
    permissions = factory.LazyFunction(list)
    hiring_assistant = False
    active = True


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    person_urn = factory.Sequence(lambda n: f"urn:li:person:member{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    emails = factory.LazyAttributeSequence(
        lambda m, n: [f"{m.first_name}.{m.last_name}.{n}@member.example".lower()]
    )
    phones = factory.LazyFunction(list)
    profile_url = factory.LazyAttributeSequence(
        lambda m, n: f"https://www.linkedin.com/in/{m.first_name}-{m.last_name}-{n}".lower()
    )
    headline = "Senior Data Engineer at Acme"
    location = "London, United Kingdom"
    companies = factory.LazyFunction(lambda: ["Acme"])
    years_of_experience = 9
    skills = factory.LazyFunction(lambda: ["Python", "Apache Spark", "SQL", "Airflow"])
    positions = factory.LazyFunction(
        lambda: [
            {"title": "Senior Data Engineer", "companyName": "Acme", "startedOn": {"year": 2021}},
            {"title": "Data Engineer", "companyName": "Initech", "startedOn": {"year": 2018}},
            {"title": "Analyst", "companyName": "Globex", "startedOn": {"year": 2015}},
        ]
    )
    educations = factory.LazyFunction(
        lambda: [{"schoolName": "University of Leeds", "degreeName": "BSc"}]
    )


class HiringProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HiringProject

    urn = factory.Sequence(lambda n: f"urn:li:hiringProject:{500 + n}")
    name = factory.Sequence(lambda n: f"Project {n}")
    owner = factory.SubFactory(SandboxSeatFactory)
    contract = factory.LazyAttribute(lambda p: p.owner.contract)
