"""Classroom and workshop pages: make a class, join with a code and a
pseudonym, the teacher's live dashboard (code, QR, sides, phases, roster)."""

import zoneinfo
from datetime import timedelta

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from config.throttling import (
    client_ip,
    join_code_passes,
    join_failed,
    join_wait,
    throttled,
)
from deliberation import phases, services
from deliberation.forms import (
    ClassCreateForm,
    JoinForm,
    JoiningForm,
    RosterForm,
    ScheduleForm,
    SidesBalanceForm,
)
from deliberation.models import Debate, Membership
from deliberation.rules import refusal
from deliberation.selectors.classroom import class_dashboard, classes_of
from deliberation.selectors.contributions import GRADED_ROLES, pupil_work
from deliberation.selectors.debates import debate_for
from deliberation.services.common import check_moderator
from deliberation.services.membership import (
    NO_SUCH_CODE,
    code_expired,
    debate_by_code,
    join_code_expiry,
)
from deliberation.views.common import add_errors

# Guest accounts log in without a password: name the backend explicitly.
LOGIN_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _teacher_debate(request, slug) -> Debate:
    debate = debate_for(request.user, slug)
    check_moderator(
        request.user, debate, "Only the teacher or a moderator may open this page."
    )
    return debate


def landing_url(debate: Debate) -> str:
    """Where a pupil who just joined starts: voting in the voting phase (her
    first vote one page load after joining), else the argument map."""
    if debate.phase == phases.VOTING and debate.voting_enabled:
        return reverse("vote_next", args=[debate.slug])
    return debate.get_absolute_url()


def join_url(request, debate: Debate) -> str:
    return request.build_absolute_uri(reverse("join_code", args=[debate.join_code]))


def qr_svg(url: str) -> str:
    """The join link as an inline SVG QR code (scales with CSS; no colour but
    black on white so every phone camera reads it)."""
    return segno.make(url, error="m").svg_inline(
        scale=4, border=2, title="QR code of the join link"
    )


# --- Making a class ----------------------------------------------------------


def _guest_home(user):
    """A guest account's one debate (it was made for it), or None."""
    membership = (
        Membership.objects.filter(user=user, guest=True)
        .select_related("debate")
        .first()
    )
    return membership.debate if membership else None


@login_required
def my_classes(request):
    """The teacher's home after signing in: their classes and each one's
    state, or an empty state that offers a new class. A pupil's guest
    account goes to its debate instead."""
    if not request.user.has_perm("deliberation.create_class"):
        debate = _guest_home(request.user)
        return redirect(debate.get_absolute_url() if debate else "home")
    return render(
        request, "deliberation/my_classes.html", {"cards": classes_of(request.user)}
    )


@login_required
def pupil_contributions(request, slug, member):
    """One pupil's contributions, item by item, with links (the teacher's)."""
    debate = _teacher_debate(request, slug)
    membership = get_object_or_404(
        Membership.objects.select_related("user"),
        pk=member,
        debate=debate,
        role__in=GRADED_ROLES,
    )
    return render(
        request,
        "deliberation/class_pupil.html",
        {"debate": debate, "work": pupil_work(debate, membership)},
    )


@login_required
@throttled("debates")
def class_new(request):
    why = refusal(request.user, "deliberation.create_class", None)
    if why:
        raise PermissionDenied(why)
    form = ClassCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        source = None
        if data["start"] == "copy":
            source = Debate.objects.filter(slug=data["from_debate"]).first()
        try:
            debate = services.class_create(
                owner=request.user,
                start=data["start"],
                question=data["question"],
                from_debate=source,
                mode=data["mode"],
                anonymity=data["anonymity"],
                name=data["name"],
                description=data["description"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Your class is ready. Share the code to begin.")
            return redirect("class_dashboard", slug=debate.slug)
    status = 400 if request.method == "POST" else 200
    return render(request, "deliberation/class_new.html", {"form": form}, status=status)


# --- Joining -----------------------------------------------------------------


@throttled("join")
def join(request, code: str = ""):
    """The code (typed, or from the join link / QR code) and, for someone
    without an account, a pseudonym: no email, no password.

    Wrong codes are limited per address and per account (config/throttling.py);
    right ones per class code, so a class behind one school address joins at
    once."""
    form = JoinForm(request.POST or None, initial={"code": code})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        wait = join_wait(request)
        if wait:
            return _join_refused(request, form, wait)
        debate = debate_by_code(data["code"])
        if debate is None:
            join_failed(request)
            form.add_error("code", NO_SUCH_CODE)
        elif not (passed := join_code_passes(request, debate.join_code))[0]:
            return _join_refused(request, form, passed[1])
        else:
            try:
                if request.user.is_authenticated:
                    services.debate_join(
                        user=request.user, debate=debate, pseudonym=data["pseudonym"]
                    )
                else:
                    if not data["pseudonym"].strip():
                        raise ValidationError({"pseudonym": "Choose a pseudonym."})
                    membership = services.guest_join(
                        debate=debate, pseudonym=data["pseudonym"]
                    )
                    login(request, membership.user, backend=LOGIN_BACKEND)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, f"You joined “{debate.title}”.")
                return redirect(landing_url(debate))
    status = 400 if request.method == "POST" else 200
    return render(request, "deliberation/join.html", {"form": form}, status=status)


def _join_refused(request, form, wait: int):
    form.add_error(None, f"Too many attempts from here. Try again in {wait} seconds.")
    response = render(request, "deliberation/join.html", {"form": form}, status=429)
    response["Retry-After"] = str(wait)
    return response


# --- The teacher's dashboard -------------------------------------------------


def _dashboard_context(request, debate):
    return {
        "debate": debate,
        "board": class_dashboard(debate),
        "phase_choices": phases.choices(),
        "next_phase": phases.next_phase(debate.phase),
    }


@login_required
def dashboard(request, slug):
    debate = _teacher_debate(request, slug)
    url = join_url(request, debate) if debate.join_code else ""
    context = _dashboard_context(request, debate)
    context.update(
        join_link=url,
        qr=qr_svg(url) if url else "",
        balance_form=SidesBalanceForm(),
        roster_form=RosterForm(),
        joining_form=JoiningForm(initial={"joining_open": debate.joining_open}),
        schedule_form=ScheduleForm(
            phase_choices=phases.choices(),
            saved={s.phase: s.starts_at for s in context["board"].schedule},
        ),
        copies=list(debate.group_copies.order_by("team")),
        time_zone=settings.TIME_ZONE,
        code_expires=join_code_expiry(debate),
        code_expired=code_expired(debate),
    )
    return render(request, "deliberation/class_dashboard.html", context)


@login_required
def dashboard_live(request, slug):
    """The live part of the dashboard, refetched by class.js on every event."""
    debate = _teacher_debate(request, slug)
    return render(
        request,
        "includes/class_live.html",
        _dashboard_context(request, debate),
    )


@login_required
def class_qr(request, slug):
    debate = _teacher_debate(request, slug)
    if not debate.join_code:
        raise Http404("This class has no join code.")
    svg = qr_svg(join_url(request, debate))
    return HttpResponse(svg, content_type="image/svg+xml")


def _back(slug, anchor=""):
    return redirect(reverse("class_dashboard", args=[slug]) + anchor)


def _report(request, exc: ValidationError):
    messages.error(request, " ".join(exc.messages))


@require_POST
@login_required
def phase_change(request, slug):
    debate = _teacher_debate(request, slug)
    try:
        services.phase_set(
            user=request.user, debate=debate, phase=request.POST.get("phase", "")
        )
    except ValidationError as exc:
        _report(request, exc)
    else:
        debate.refresh_from_db()
        messages.success(request, f"Phase: {phases.label(debate.phase)}.")
    return _back(slug, "#phases")


def _browser_zone(name: str):
    """The browser's time zone (an IANA name), or the server's."""
    try:
        return zoneinfo.ZoneInfo(name) if name else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


@require_POST
@login_required
def phase_schedule(request, slug):
    debate = _teacher_debate(request, slug)
    zone = _browser_zone(request.POST.get("time_zone", ""))
    with timezone.override(zone):
        form = ScheduleForm(request.POST, phase_choices=phases.choices())
        valid = form.is_valid()
    if valid:
        entries = form.entries()
        try:
            services.phase_schedule_set(
                user=request.user, debate=debate, entries=entries
            )
        except ValidationError as exc:
            _report(request, exc)
        else:
            messages.success(request, f"{len(entries)} phase(s) scheduled.")
    else:
        messages.error(request, "Give each time as a date and time.")
    return _back(slug, "#phases")


@require_POST
@login_required
def sides_balance(request, slug):
    debate = _teacher_debate(request, slug)
    form = SidesBalanceForm(request.POST)
    if form.is_valid():
        counts = services.sides_balance(
            user=request.user,
            debate=debate,
            teams_per_side=form.cleaned_data["teams_per_side"] or 0,
        )
        messages.success(
            request, f"Sides: {counts['for']} for, {counts['against']} against."
        )
    else:
        messages.error(request, "Teams per side: a number from 0 to 10.")
    return _back(slug, "#sides")


@require_POST
@login_required
def sides_edit(request, slug):
    """By hand: one side and team field per member (side-<id>, team-<id>)."""
    debate = _teacher_debate(request, slug)
    ids = [
        int(key[5:])
        for key in request.POST
        if key.startswith("side-") and key[5:].isdigit()
    ]
    assignments = {
        pk: (request.POST.get(f"side-{pk}", ""), request.POST.get(f"team-{pk}", ""))
        for pk in ids
    }
    try:
        changed = services.sides_set(
            user=request.user, debate=debate, assignments=assignments
        )
    except ValidationError as exc:
        _report(request, exc)
    else:
        messages.success(request, f"{changed} member(s) changed.")
    return _back(slug, "#sides")


@require_POST
@login_required
def joining(request, slug):
    debate = _teacher_debate(request, slug)
    form = JoiningForm(request.POST)
    if form.is_valid():
        minutes = form.cleaned_data["expires_in"]
        services.joining_set(
            user=request.user,
            debate=debate,
            joining_open=form.cleaned_data["joining_open"],
            expires=timezone.now() + timedelta(minutes=minutes) if minutes else None,
        )
        messages.success(request, "Joining settings saved.")
    else:
        messages.error(request, "The expiry is a number of minutes.")
    return _back(slug, "#invite")


@require_POST
@login_required
def roster(request, slug):
    """Make guest accounts and show their login cards once, ready to print."""
    debate = _teacher_debate(request, slug)
    form = RosterForm(request.POST)
    if form.is_valid():
        try:
            cards = services.roster_create(
                user=request.user,
                debate=debate,
                pseudonyms=form.cleaned_data["pseudonyms"],
                count=form.cleaned_data.get("count") or 0,
            )
        except ValidationError as exc:
            _report(request, exc)
        else:
            response = render(
                request,
                "deliberation/class_cards.html",
                {
                    "debate": debate,
                    "cards": cards,
                    "login_url": request.build_absolute_uri(reverse("account_login")),
                },
            )
            response["Cache-Control"] = "no-store"  # passwords: never cached
            return response
    else:
        messages.error(request, " ".join(form.non_field_errors()) or "Check the form.")
    return _back(slug, "#roster")


@require_POST
@login_required
def group_copies(request, slug):
    debate = _teacher_debate(request, slug)
    try:
        made = services.group_copies_create(user=request.user, debate=debate)
    except ValidationError as exc:
        _report(request, exc)
    else:
        messages.success(request, f"{len(made)} group copy(ies) made.")
    return _back(slug, "#groups")


def _tick_key(group, request) -> str:
    # Per debate and address: a class behind one school address ticks at
    # once when its countdown ends (300 pupils, one address), while one
    # client still cannot hammer the step.
    return f"{request.resolver_match.kwargs.get('slug')}:{client_ip(request)}"


@require_POST
@ratelimit(key=_tick_key, rate="600/m")
def phase_tick(request, slug):
    """A page's countdown reached zero: open the phases that are due (the
    same idempotent step beat runs; without beat, this is what opens them)."""
    debate = debate_for(request.user, slug)
    moved = services.scheduled_phases_apply(debate=debate)
    return HttpResponse(status=204 if not moved else 205)
