"""Admin CSV uploads end to end: upload page, background task (called as a function), the run's
page with progress and result, the report download, and who may upload."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from candidates.importing import IMPORT_TASKS
from candidates.models import Candidate, ImportRun, QuickSkill
from candidates.tasks import candidate_import_run, quick_skill_import_run
from requisitions.models import Requisition
from requisitions.tasks import requisition_import_run
from tests.tracker_rsc.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch) -> list[tuple[str, tuple]]:
    """Tasks the uploads queued (the tests run them as functions)."""
    sent: list[tuple[str, tuple]] = []
    for task in IMPORT_TASKS.values():
        monkeypatch.setattr(
            task, "apply_async", lambda args, task=task, **_: sent.append((task.name, args))
        )
    return sent


def upload(client, url_name: str, content: bytes, **options):
    data = {"file": SimpleUploadedFile("people.csv", content, content_type="text/csv")}
    data.update({name: "on" for name, value in options.items() if value})
    return client.post(reverse(url_name), data)


def test_candidate_upload_runs_in_the_background_and_shows_the_result(
    admin_client, queued, django_capture_on_commit_callbacks
):
    changelist = admin_client.get(reverse("admin:candidates_candidate_changelist"))
    assert b'id="import-csv-link"' in changelist.content
    page = admin_client.get(reverse("admin:candidates_candidate_import"))
    assert page.status_code == 200 and b"LinkedIn Profile URL" in page.content

    content = "\ufeffFirst Name;Last Name;E-mail;Shoe size\nJane;Doe;jane@example.com;38\n"
    content += "Jane;Doe;jane@example.com;\nBad;Row;nope;\n"
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(admin_client, "admin:candidates_candidate_import", content.encode())
    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:candidates_importrun_change", args=[run.pk])
    assert queued == [("candidates.tasks.candidate_import_run", (run.pk,))]
    assert run.status == ImportRun.Status.PENDING and run.created_by.username == "admin"

    waiting = admin_client.get(response["Location"])
    assert b'http-equiv="refresh"' in waiting.content and b'id="import-bar"' in waiting.content

    stored = run.file.name
    assert run.file.storage.exists(stored)
    assert candidate_import_run(run.pk) == ImportRun.Status.SUCCEEDED
    assert candidate_import_run(run.pk) == ImportRun.Status.SUCCEEDED  # twice: nothing more
    run.refresh_from_db()
    # The upload holds people's data: gone once imported; the report stays.
    assert run.file.name == "" and not run.file.storage.exists(stored)
    assert run.report.storage.exists(run.report.name)
    assert run.counts == {
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "merged": 1,
        "ambiguous": 0,
        "refused": 1,
    }
    assert (run.total, run.processed, run.progress_percent) == (3, 3, 100)
    assert run.unknown_columns == ["Shoe size"]
    assert Candidate.objects.get().created_by.username == "admin"

    done = admin_client.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' not in done
    assert "Invalid email address: “nope”." in done and "The same person as line 2." in done
    assert "“Shoe size”" in done
    report = admin_client.get(reverse("admin:candidates_importrun_report", args=[run.pk]))
    body = b"".join(report.streaming_content).decode()
    assert body.splitlines()[0] == "line,status,record_id,detail"
    assert "4,refused,,Invalid email address" in body

    listing = admin_client.get(reverse("admin:candidates_importrun_changelist")).content.decode()
    assert "1 created, 1 merged, 1 refused" in listing


def test_a_dry_run_upload_writes_nothing(admin_client, queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        upload(
            admin_client,
            "admin:candidates_candidate_import",
            b"Email\njane@example.com\n",
            dry_run=True,
        )
    run = ImportRun.objects.get()
    candidate_import_run(run.pk)
    run.refresh_from_db()
    assert run.dry_run and run.counts["created"] == 1
    assert not Candidate.objects.exists()
    assert (
        "would be created"
        in admin_client.get(
            reverse("admin:candidates_importrun_change", args=[run.pk])
        ).content.decode()
    )


def test_an_unusable_file_fails_the_run_with_the_reason(admin_client, queued):
    upload(admin_client, "admin:candidates_candidate_import", b"Phone\n+44\n")
    run = ImportRun.objects.get()
    assert candidate_import_run(run.pk) == ImportRun.Status.FAILED
    page = admin_client.get(reverse("admin:candidates_importrun_change", args=[run.pk]))
    assert "needs an Email, a LinkedIn Profile URL" in page.content.decode()


def test_an_empty_upload_is_refused_on_the_form(admin_client, queued):
    response = upload(admin_client, "admin:candidates_candidate_import", b"")
    assert response.status_code == 200 and not ImportRun.objects.exists()


def test_requisitions_and_quick_skills_upload_the_same_way(
    admin_client, queued, django_capture_on_commit_callbacks
):
    UserFactory(username="alice")
    with django_capture_on_commit_callbacks(execute=True):
        upload(
            admin_client,
            "admin:requisitions_requisition_import",
            b"Title,Owners\nNurse,alice\nPorter,nobody\n",
        )
        upload(admin_client, "admin:candidates_quickskill_import", b"Name,Aliases\nPython,py\n")
    assert [name for name, _ in queued] == [
        "requisitions.tasks.requisition_import_run",
        "candidates.tasks.quick_skill_import_run",
    ]
    requisition_import_run(queued[0][1][0])
    quick_skill_import_run(queued[1][1][0])
    assert list(Requisition.objects.values_list("title", flat=True)) == ["Nurse"]
    assert QuickSkill.objects.get().aliases.get().alias == "py"
    for url in (
        "admin:requisitions_requisition_changelist",
        "admin:candidates_quickskill_changelist",
    ):
        assert b'id="import-csv-link"' in admin_client.get(reverse(url)).content


def test_only_staff_with_the_add_permission_may_upload(client, queued):
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_candidate"))
    client.force_login(viewer)
    changelist = client.get(reverse("admin:candidates_candidate_changelist"))
    assert changelist.status_code == 200 and b"import-csv-link" not in changelist.content
    assert client.get(reverse("admin:candidates_candidate_import")).status_code == 403
    response = upload(client, "admin:candidates_candidate_import", b"Email\na@example.com\n")
    assert response.status_code == 403 and not ImportRun.objects.exists()

    viewer.user_permissions.add(Permission.objects.get(codename="add_candidate"))
    assert client.get(reverse("admin:candidates_candidate_import")).status_code == 200


def test_an_uploader_follows_their_import_without_the_import_run_permission(
    client, queued, django_capture_on_commit_callbacks
):
    uploader = UserFactory(username="uploader", is_staff=True)
    uploader.user_permissions.add(
        Permission.objects.get(codename="add_candidate"),
        Permission.objects.get(codename="view_candidate"),
    )
    client.force_login(uploader)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, "admin:candidates_candidate_import", b"Email\na@example.com\n")
    run = ImportRun.objects.get()
    candidate_import_run(run.pk)
    assert client.get(response["Location"]).status_code == 200
    report = client.get(reverse("admin:candidates_importrun_report", args=[run.pk]))
    assert report.status_code == 200
    listing = client.get(reverse("admin:candidates_importrun_changelist"))
    assert [r.pk for r in listing.context["cl"].result_list] == [run.pk]

    # Another kind of import is not theirs to see.
    other = ImportRun(kind=ImportRun.Kind.REQUISITIONS, file_name="jobs.csv")
    other.report.save("jobs-report.csv", ContentFile(b"line,status,record_id,detail\n"))
    hidden = client.get(reverse("admin:candidates_importrun_change", args=[other.pk]))
    assert hidden.status_code == 302 and hidden["Location"] == reverse("admin:index")
    assert (
        client.get(reverse("admin:candidates_importrun_report", args=[other.pk])).status_code == 403
    )
