"""Family stories told across agencies: domestic abuse, neglect, a child looked after away from home.

Each story starts from the household's anchor date so siblings (and twins) share
one incident, and ends with the positive turn the guidance asks chronologies to show.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from sandbox.cohort.agencies import Agencies
from sandbox.cohort.education import is_school_age
from sandbox.cohort.model import TODAY, Child, happened
from sandbox.cohort.places import SOCIAL_WORK_TEAMS, SOCIAL_WORKERS


def domestic_abuse(agencies: Agencies, child: Child, rng: random.Random) -> None:
    """Police DA concern → A&E → absence → IRD, CPPM, registration → SCRA hearing and CSO → recovery."""
    anchor = child.household.anchor
    assert anchor is not None
    police, health, sw, scra, school = (agencies.police, agencies.health, agencies.social_work, agencies.scra,
                                        agencies.education)
    worker = rng.choice(SOCIAL_WORKERS)
    police.concern(child, anchor, "Domestic abuse", "Police attended a disturbance at the family home. Mother's "
                   "partner arrested. Child present in the home during the incident; no visible injury.",
                   shanarri=("safe", "nurtured"), action="Child concern form shared with partners; IRD requested.")
    health.encounter(child, anchor + timedelta(days=1), "ae", "Bruising to left forearm; seen with mother after "
                     "incident at home", hour=20)
    sw.referral(child, anchor + timedelta(days=1), "Police Scotland", "Domestic abuse incident with child present",
                "Inter-agency referral discussion held; child protection investigation")
    sw.event(child, anchor + timedelta(days=2), "Inter-agency referral discussion (IRD)",
             "Police, social work and health agreed a joint investigation.", shanarri=("safe",),
             action="Joint investigation; safety plan agreed with mother.", impact="negative")
    sw.allocation(child, worker, "Social worker", SOCIAL_WORK_TEAMS[0], anchor + timedelta(days=3), lead=True)
    sw.assessment(child, anchor + timedelta(days=3), "Child protection investigation", "CPPM convened",
                  anchor + timedelta(days=14))
    if is_school_age(child):
        school.absence(child, anchor, anchor + timedelta(days=35), 0.35, ("31", "32", "21"))
        school.note(child, anchor + timedelta(days=3), "Child concern form received",
                    "Named person met the pupil; pupil quiet and tired. Check-ins arranged.",
                    shanarri=("safe", "nurtured"), action="Daily check-in with guidance teacher.")
    else:
        health.encounter(child, anchor + timedelta(days=5), "hv", "Home visit after domestic abuse concern")
    cppm = anchor + timedelta(days=21)
    deregistered = happened(cppm, 200)
    sw.event(child, cppm, "Child Protection Planning Meeting",
             "CPPM agreed the child is at risk of significant harm. Name placed on the child protection register.",
             shanarri=("safe",), action="Child protection plan; referral to the Reporter.", impact="negative")
    sw.registration(child, cppm, ("Domestic abuse", "Parental alcohol misuse"),
                    next_review=None if deregistered else cppm + timedelta(days=180), deregistered=deregistered)
    police.set_cp_flag(child, deregistered is None)
    sw.plan(child, "multi_agency", worker, "active", TODAY + timedelta(days=rng.randint(20, 80)))
    health.flag(child, cppm, "Child protection plan in place", category="safety")
    scra.referral(child, anchor + timedelta(days=7), "Police Scotland", ("f",), "Arrange a children's hearing",
                  anchor + timedelta(days=35))
    hearing = happened(anchor, 49)
    if hearing:
        scra.hearing(child, hearing, "Children's hearing", "Compulsory supervision order made; child to remain "
                     "at home with mother")
        scra.order(child, "CSO", hearing, hearing + timedelta(days=365),
                   ("Child to reside with mother", "Contact with mother's former partner to be supervised"))
    _recovery(agencies, child, anchor)
    if deregistered:
        sw.event(child, deregistered, "Review CPPM: name removed from the register",
                 "Risk reduced; mother completed the Safe and Together programme.", shanarri=("safe", "nurtured"),
                 action="Child's plan continues with the lead professional.", impact="positive")


def _recovery(agencies: Agencies, child: Child, anchor: date) -> None:
    engaged = happened(anchor, 90)
    if engaged:
        agencies.social_work.event(child, engaged, "Family engaged with support",
                                   "Mother attending Women's Aid sessions; child attending a CEDAR group.",
                                   shanarri=("nurtured", "included"), action="Continue plan.", impact="positive")
    improved = happened(anchor, 150)
    if improved and is_school_age(child):
        agencies.education.absence(child, anchor + timedelta(days=60), TODAY, 0.02, ("21",))
        agencies.education.note(child, improved, "Attendance improved", "Attendance above 95% this term; pupil "
                                "settled and joined the lunchtime football club.", shanarri=("achieving", "active"),
                                action="No further action needed; monitoring continues.")


def neglect(agencies: Agencies, child: Child, rng: random.Random) -> None:
    """Missed health appointments and poor attendance → HV/school concerns → child's plan; police welfare check."""
    anchor = child.household.anchor
    assert anchor is not None
    health, sw = agencies.health, agencies.social_work
    if child.household.previous_postcode:
        # The family was known to the police where they lived before moving here.
        agencies.police.subject(child, postcode=child.household.previous_postcode)
        earlier = max(anchor - timedelta(days=400), child.birth_date + timedelta(days=30))
        agencies.police.concern(child, earlier, "Child welfare concern", "Officers attending a noise complaint in "
                                "Dunvaig found the children alone at home late at night.",
                                shanarri=("safe", "nurtured"), action="Shared with Dunvaig Council social work.")
        sw.referral(child, anchor - timedelta(days=30), "Dunvaig Council", "Transfer in: family moved to "
                    "Glenmorven; open child's plan in previous area", "Accepted for assessment")
    for offset, service in ((-60, "Speech and language therapy"), (-20, "Paediatric dental clinic"),
                            (10, "Child health review")):
        when = happened(anchor, offset)
        if when and when > child.birth_date:
            health.appointment(child, when, service, "noshow", "Was not brought. Letter sent; health visitor told.")
    health.encounter(child, anchor, "hv", "Home visit: home conditions poor; child's weight below expected")
    sw.referral(child, anchor + timedelta(days=2), "Health visitor", "Concerns about home conditions and missed "
                "health appointments", "Assessment under the National Practice Model")
    sw.assessment(child, anchor + timedelta(days=4), "Wellbeing assessment (National Practice Model)",
                  "Multi-agency child's plan", anchor + timedelta(days=30))
    worker = rng.choice(SOCIAL_WORKERS)
    sw.allocation(child, worker, "Social worker", SOCIAL_WORK_TEAMS[1], anchor + timedelta(days=4), lead=True)
    sw.plan(child, "multi_agency", worker, "active", TODAY + timedelta(days=rng.randint(10, 90)))
    sw.event(child, anchor + timedelta(days=30), "Team Around the Child meeting",
             "Child's plan agreed: nursery place, parenting support, health visitor weekly visits.",
             shanarri=("healthy", "nurtured"), action="Child's plan agreed; review in three months.",
             impact="negative")
    police_day = happened(anchor, 40)
    if police_day:
        agencies.police.concern(child, police_day, "Child welfare concern", "Welfare check requested by social work. "
                                "Home cold; little food in the house. Mother cooperative.",
                                shanarri=("healthy", "nurtured"), action="Shared with social work and health.")
    if is_school_age(child):
        agencies.education.absence(child, anchor - timedelta(days=60), anchor + timedelta(days=120), 0.25,
                                   ("32", "31", "11"))
        agencies.education.note(child, anchor + timedelta(days=7), "Pupil arriving hungry",
                                "Pupil often arrives without breakfast and in the same clothes.",
                                shanarri=("healthy", "nurtured"), action="Breakfast club place offered and taken.")
    referred = happened(anchor, 35)
    if referred:
        agencies.scra.referral(child, referred, "Social Work", ("a",), "No hearing: needs met through the "
                               "voluntary child's plan", min(referred + timedelta(days=25), TODAY - timedelta(days=1)))
    better = happened(anchor, 130)
    if better:
        health.encounter(child, better, "hv", "Review: weight now following its centile; home conditions improved")
        sw.event(child, better, "Family attending parenting group", "Mother has attended 8 of 10 Incredible "
                 "Years sessions.", shanarri=("nurtured",), action="Continue plan.", impact="positive")


def looked_after(agencies: Agencies, child: Child, rng: random.Random) -> None:
    """Child protection order → hearing → CSO away from home with kinship carers; settled placement."""
    anchor = child.household.anchor
    assert anchor is not None
    sw, scra, health = agencies.social_work, agencies.scra, agencies.health
    worker = rng.choice(SOCIAL_WORKERS)
    sw.referral(child, anchor, "Police Scotland", "Child found alone; parent intoxicated", "Child protection order "
                "sought")
    sw.allocation(child, worker, "Social worker", SOCIAL_WORK_TEAMS[0], anchor, lead=True)
    scra.order(child, "CPO", anchor, anchor + timedelta(days=8), ("Child to be removed to a place of safety",),
               end=anchor + timedelta(days=8))
    scra.referral(child, anchor + timedelta(days=1), "Social Work", ("a", "e"), "Arrange a children's hearing",
                  anchor + timedelta(days=2))
    scra.hearing(child, anchor + timedelta(days=2), "Second working day hearing", "Interim compulsory supervision "
                 "order; child to reside with grandparents")
    scra.order(child, "ICSO", anchor + timedelta(days=2), anchor + timedelta(days=24),
               ("Child to reside with maternal grandparents",), end=anchor + timedelta(days=44))
    scra.hearing(child, anchor + timedelta(days=44), "Children's hearing", "Compulsory supervision order made")
    scra.order(child, "CSO", anchor + timedelta(days=44), anchor + timedelta(days=409),
               ("Child to reside with maternal grandparents", "Contact with mother supervised, twice weekly"))
    sw.looked_after(child, anchor, "away_from_home", "Compulsory Supervision Order (s.83)", "Kinship care")
    sw.registration(child, anchor + timedelta(days=14), ("Parental alcohol misuse", "Neglect"),
                    next_review=None, deregistered=happened(anchor, 200))
    sw.plan(child, "multi_agency", worker, "active", TODAY + timedelta(days=rng.randint(10, 60)))
    sw.event(child, anchor, "Child accommodated", "Child placed with maternal grandparents under a CPO.",
             shanarri=("safe",), action="Kinship assessment started.", impact="negative")
    health.encounter(child, anchor + timedelta(days=20), "nurse", "Looked-after child health assessment")
    health.care_plan(child, anchor + timedelta(days=20), "Health plan for a looked-after child")
    health.flag(child, anchor, "Looked after away from home: kinship care", category="admin")
    if is_school_age(child):
        agencies.education.pupil(child, looked_after=True, asn={"has_asn": True, "reasons": ["Looked after"],
                                                                "plan_type": "Child's plan"})
        agencies.education.note(child, anchor + timedelta(days=5), "Change of carer", "Pupil now living with "
                                "grandparents; transport arranged.", shanarri=("nurtured", "included"),
                                action="Designated manager informed.")
    settled = happened(anchor, 180)
    if settled:
        sw.event(child, settled, "Looked-after review", "Placement stable; child doing well at school and "
                 "enjoying swimming.", shanarri=("nurtured", "active"), action="Plan continues.", impact="positive")
