"""Recruiter pages for candidates: the list, the candidate page, Save, CV and the LinkedIn panel.

Views stay thin: they validate the request, call a selector or one service, and render.
Who sees what is ``tracker_rsc.access``: the candidate's Tracker records (InMails, notes,
evaluation summaries, ranks) show to every user; the LinkedIn panel is offered to everyone but
its contents (the linked member, link details, linking and unlinking) only to a user with a
Recruiter seat. Anyone else gets the prompt and no LinkedIn information, on this page or the
candidate list (no link badge, no link filter).
"""

from __future__ import annotations

from pathlib import PurePosixPath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from candidates import services
from candidates.forms import CandidateFilterForm, MemberLinkForm, MemberUnlinkForm
from candidates.models import Candidate, MemberLink
from candidates.selectors_pages import (
    Cursor,
    CursorError,
    candidate_for_page,
    candidate_list_page,
    candidate_shortlists,
    candidate_skills,
    candidate_timeline,
    linkedin_panel,
    save_outcome,
    sync_state,
)
from tracker_rsc import access
from tracker_rsc.models import Integration, LinkedInSeat


def _candidate_or_404(pk: int) -> Candidate:
    candidate = candidate_for_page(pk=pk)
    if candidate is None:
        raise Http404("No such candidate.")
    return candidate


def _is_fragment_request(request: HttpRequest) -> bool:
    """The panel loads into the candidate page by fetch(); a plain visit gets a whole page."""
    return request.headers.get("X-Requested-With") == "fetch" or "HX-Request" in request.headers


@login_required
@require_GET
def candidate_list(request: HttpRequest) -> HttpResponse:
    seat = access.widget_seat(request.user)
    form = CandidateFilterForm(request.GET, linkedin=seat is not None)
    context: dict = {
        "form": form,
        "result": None,
        "query": "",
        "seat": seat,
        "section": "candidates",
    }
    if not form.is_valid():
        # Asking for the link status without a seat is refused, not answered by the results.
        status = 403 if form.linkedin_refused else 400
        return render(request, "candidates/list.html", context, status=status)
    context["result"] = candidate_list_page(
        filters=form.filters(), cursor=form.cleaned_data["cursor"]
    )
    context["query"] = form.query_without_cursor()
    return render(request, "candidates/list.html", context)


def _detail_context(request: HttpRequest, candidate: Candidate, seat: LinkedInSeat | None) -> dict:
    try:
        cursor = Cursor.decode(request.GET["activities"]) if request.GET.get("activities") else None
    except CursorError as exc:
        raise Http404(str(exc)) from exc
    timeline, older, newer = candidate_timeline(
        candidate=candidate, widget=seat is not None, cursor=cursor
    )
    integration = Integration.get()
    state = sync_state(
        integration_enabled=integration.is_enabled,
        updated_at=candidate.updated_at,
        synced_at=candidate.linkedin_synced_at,
        error=candidate.linkedin_sync_error,
        history_cutoff=integration.history_cutoff,
        history_description=integration.history_description,
    )
    if seat is None and state.detail:
        # LinkedIn's error messages may name the member; unseated users never see a URN.
        state = type(state)(state.code, state.label, access.redact_member_ids(state.detail))
    return {
        "section": "candidates",
        "candidate": candidate,
        "seat": seat,
        "skills": candidate_skills(candidate=candidate),
        "shortlists": candidate_shortlists(candidate=candidate),
        "timeline": timeline,
        "timeline_older": older,
        "timeline_newer": newer,
        "sync": state,
        "cv_name": PurePosixPath(candidate.cv_file.name).name if candidate.cv_file else "",
        "open_panel": request.GET.get("panel") == "linkedin",
    }


@login_required
@require_GET
def candidate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    candidate = _candidate_or_404(pk)
    seat = access.widget_seat(request.user)
    return render(request, "candidates/detail.html", _detail_context(request, candidate, seat))


@login_required
@require_POST
def candidate_save(request: HttpRequest, pk: int) -> HttpResponse:
    """The Save button: saving with no change still sends the record to LinkedIn (FAQ)."""
    candidate = _candidate_or_404(pk)
    try:
        services.candidate_save(candidate=candidate, actor=request.user)
    except ValidationError as exc:
        messages.error(
            request,
            "Not saved: " + "; ".join(exc.messages) + " Correct the record, then save again.",
        )
    else:
        linked = services.candidate_active_link(candidate=candidate) is not None
        level, text = save_outcome(
            candidate=candidate, integration_enabled=Integration.get().is_enabled, linked=linked
        )
        messages.add_message(request, level, text)
    return HttpResponseRedirect(candidate.get_absolute_url())


@login_required
@require_GET
def candidate_cv(request: HttpRequest, pk: int) -> HttpResponse:
    """The primary CV, only to signed-in users (CVs are never public media)."""
    candidate = _candidate_or_404(pk)
    if not candidate.cv_file:
        raise Http404("This candidate has no CV file.")
    try:
        handle = candidate.cv_file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("The CV file is missing from storage.") from exc
    return FileResponse(
        handle, as_attachment=True, filename=PurePosixPath(candidate.cv_file.name).name
    )


# --- The LinkedIn panel -----------------------------------------------------------------------


def _panel_context(
    request: HttpRequest,
    candidate: Candidate,
    seat: LinkedInSeat | None,
    *,
    link_form: MemberLinkForm | None = None,
    unlink_form: MemberUnlinkForm | None = None,
    errors: list[str] | None = None,
) -> dict:
    context = {
        "section": "candidates",
        "candidate": candidate,
        "seat": seat,
        "errors": errors or [],
    }
    if seat is None:
        # Nothing about the member is even read for a user without a Recruiter seat; the
        # prompt's Sign in with LinkedIn form needs only the candidate's URL to come back to.
        return context
    context.update(
        panel=linkedin_panel(candidate=candidate),
        link_form=link_form or MemberLinkForm(),
        unlink_form=unlink_form or MemberUnlinkForm(),
    )
    return context


def _render_panel(request: HttpRequest, context: dict, *, status: int = 200) -> HttpResponse:
    template = (
        "candidates/_linkedin_panel.html"
        if _is_fragment_request(request)
        else "candidates/linkedin_page.html"
    )
    return render(request, template, context, status=status)


@login_required
@require_GET
def candidate_linkedin(request: HttpRequest, pk: int) -> HttpResponse:
    candidate = _candidate_or_404(pk)
    seat = access.widget_seat(request.user)
    return _render_panel(request, _panel_context(request, candidate, seat))


def _seat_or_403(request: HttpRequest) -> LinkedInSeat:
    seat = access.widget_seat(request.user)
    if seat is None:  # linking and unlinking are widget actions (access.can_link_members)
        raise PermissionDenied("Linking needs a LinkedIn Recruiter seat.")
    return seat


def _after_panel_change(candidate: Candidate) -> HttpResponse:
    return HttpResponseRedirect(f"{candidate.get_absolute_url()}?panel=linkedin#linkedin")


@login_required
@require_POST
def candidate_link(request: HttpRequest, pk: int) -> HttpResponse:
    """Link the candidate to a LinkedIn member by person URN (a manual link replaces any other)."""
    candidate = _candidate_or_404(pk)
    seat = _seat_or_403(request)
    form = MemberLinkForm(request.POST)
    if not form.is_valid():
        context = _panel_context(request, candidate, seat, link_form=form)
        return _render_panel(request, context, status=400)
    person_urn = form.cleaned_data["person_urn"]
    try:
        services.member_link_create(
            candidate=candidate,
            person_urn=person_urn,
            method=MemberLink.Method.MANUAL,
            matched_on=MemberLink.MatchedOn.MEMBER,
            reason=form.cleaned_data["reason"] or f"Linked by hand by {request.user}",
            actor=request.user,
            replace=True,
        )
    except ValidationError as exc:
        context = _panel_context(request, candidate, seat, link_form=form, errors=exc.messages)
        return _render_panel(request, context, status=400)
    messages.success(request, f"{candidate} is now linked to LinkedIn member {person_urn}.")
    return _after_panel_change(candidate)


@login_required
@require_POST
def candidate_unlink(request: HttpRequest, pk: int) -> HttpResponse:
    """End the candidate's active link (kept in the link history)."""
    candidate = _candidate_or_404(pk)
    seat = _seat_or_403(request)
    form = MemberUnlinkForm(request.POST)
    link = services.candidate_active_link(candidate=candidate)
    if not form.is_valid() or link is None:
        errors = [] if link is not None else ["This candidate is not linked to a LinkedIn member."]
        context = _panel_context(request, candidate, seat, unlink_form=form, errors=errors)
        return _render_panel(request, context, status=400)
    services.member_link_unlink(
        link=link,
        actor=request.user,
        reason=form.cleaned_data["reason"] or f"Unlinked by hand by {request.user}",
    )
    messages.success(request, f"{candidate} is no longer linked to {link.person_urn}.")
    return _after_panel_change(candidate)
