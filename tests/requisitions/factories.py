from __future__ import annotations

import factory

from requisitions.models import Activity, Placement, ProjectConnection, Requisition
from tests.candidates.factories import CandidateFactory
from tests.tracker_rsc.factories import LinkedInSeatFactory, UserFactory


class RequisitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Requisition
        skip_postgeneration_save = True

    title = factory.Faker("job")
    description = factory.Faker("paragraph")
    location = "London, United Kingdom"
    client_name = factory.Faker("company")
    status = Requisition.Status.OPEN
    kind = Requisition.Kind.STANDARD

    @factory.post_generation
    def owners(obj, create: bool, extracted: object, **kwargs: object) -> None:
        if not create:
            return
        obj.owners.set(extracted if extracted is not None else [UserFactory()])


class PlacementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Placement

    candidate = factory.SubFactory(CandidateFactory)
    requisition = factory.SubFactory(RequisitionFactory)


class ProjectConnectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProjectConnection

    requisition = factory.SubFactory(RequisitionFactory)
    project_urn = factory.Sequence(lambda n: f"urn:li:hiringProject:{n + 1}")
    owner_seat = factory.SubFactory(LinkedInSeatFactory)
    owner_seat_urn = factory.LazyAttribute(lambda c: c.owner_seat.seat_urn if c.owner_seat else "")
    state = ProjectConnection.State.CONNECTED
    active = True
    hiring_assistant_automation = True


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    kind = Activity.Kind.SYSTEM
    candidate = factory.SubFactory(CandidateFactory)
    subject = factory.Faker("sentence")
