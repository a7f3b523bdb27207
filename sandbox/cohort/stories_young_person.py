"""Stories about older children: mental health (CAMHS) and offending (youth justice, SCRA offence ground)."""

from __future__ import annotations

import random
from datetime import timedelta

from sandbox.cohort.agencies import Agencies
from sandbox.cohort.model import TODAY, Child, happened
from sandbox.cohort.places import CAMHS_CLINICIANS, SOCIAL_WORK_TEAMS, SOCIAL_WORKERS


def mental_health(agencies: Agencies, child: Child, rng: random.Random) -> None:
    """Self-harm at A&E → CAMHS episode (restricted) → missing episode → school support → improvement."""
    anchor = child.household.anchor
    assert anchor is not None
    health, school = agencies.health, agencies.education
    clinician = rng.choice(CAMHS_CLINICIANS)
    school.absence(child, anchor - timedelta(days=50), anchor + timedelta(days=60), 0.2, ("21", "21", "32"))
    school.note(child, anchor - timedelta(days=20), "Pupil disclosed low mood", "Pupil told guidance teacher they "
                "have been feeling low and not sleeping.", shanarri=("healthy", "respected"),
                action="Referred to school counsellor; parent informed with pupil's agreement.")
    health.encounter(child, anchor, "ae", "Self-harm: superficial cuts to forearm", label="R", hour=22)
    health.condition(child, anchor, "Anxiety with depressive symptoms", label="R")
    health.episode(child, anchor + timedelta(days=14), "camhs", clinician)
    health.care_plan(child, anchor + timedelta(days=14), "CAMHS care plan: CBT and safety plan", label="R")
    for month in range(1, 8):
        when = happened(anchor, 14 + month * 28)
        if when:
            if month == 3:
                health.appointment(child, when, "CAMHS", "noshow", "Did not attend; young person contacted by "
                                   "phone the same day.")
            else:
                health.encounter(child, when, "camhs", "CAMHS follow-up session", label="R", hour=15)
    missing = happened(anchor, 40)
    if missing:
        agencies.police.concern(child, missing, "Missing person", "Reported missing by parent at 19:00; found "
                                "safe at a friend's house at 23:30. Return discussion completed.",
                                shanarri=("safe", "healthy"), action="Shared with school and CAMHS.")
    sw = agencies.social_work
    sw.referral(child, anchor + timedelta(days=20), "Education", "Request for assistance: young person's mental "
                "health and family stress", "Early help: family support worker allocated")
    sw.allocation(child, rng.choice(SOCIAL_WORKERS), "Family support worker", SOCIAL_WORK_TEAMS[1],
                  anchor + timedelta(days=25), lead=False)
    sw.plan(child, "single_agency", None, "active", TODAY + timedelta(days=rng.randint(10, 90)))
    better = happened(anchor, 160)
    if better:
        school.absence(child, anchor + timedelta(days=61), TODAY, 0.03, ("21",))
        school.note(child, better, "Attendance and mood improved", "Pupil back to full timetable and attending "
                    "the school's wellbeing group.", shanarri=("healthy", "included"), action="Continue support.")


def youth_offending(agencies: Agencies, child: Child, rng: random.Random) -> None:
    """Repeated offending → SCRA offence referral → hearing and CSO → youth justice work → completed programme."""
    anchor = child.household.anchor
    assert anchor is not None
    police, school, scra, sw = agencies.police, agencies.education, agencies.scra, agencies.social_work
    offences = (("Youth offending: shoplifting", "Detained for theft of alcohol from a shop with two friends."),
                ("Youth offending: vandalism", "Damage to a bus shelter; admitted at interview."),
                ("Youth offending: assault", "Minor assault on another young person in the park; no injury."))
    for n, (incident, summary) in enumerate(offences):
        when = happened(anchor, n * 45)
        if when:
            police.concern(child, when, incident, summary, shanarri=("responsible", "included"),
                           action="Referred to the Reporter." if n == 2 else "Early and effective intervention.")
    school.absence(child, anchor - timedelta(days=30), anchor + timedelta(days=120), 0.3, ("31", "31", "11"))
    excluded = happened(anchor, 60)
    if excluded:
        school.exclusion(child, excluded, 3, "Physical assault on another pupil",
                         "Reintegration meeting with parent; behaviour support plan")
    referred = happened(anchor, 92)
    if referred:
        scra.referral(child, referred, "Police Scotland", ("j",), "Arrange a children's hearing",
                      referred + timedelta(days=21))
        hearing = happened(referred, 56)
        if hearing:
            scra.hearing(child, hearing, "Children's hearing", "Compulsory supervision order made")
            scra.order(child, "CSO", hearing, hearing + timedelta(days=365),
                       ("Attend the youth justice programme", "Curfew 21:00 to 07:00 on school nights"))
        worker = rng.choice(SOCIAL_WORKERS)
        sw.referral(child, referred, "Police Scotland", "Offending behaviour", "Youth justice assessment")
        sw.allocation(child, worker, "Youth justice worker", SOCIAL_WORK_TEAMS[2], referred + timedelta(days=7),
                      lead=True)
        sw.plan(child, "multi_agency", worker, "active", TODAY + timedelta(days=rng.randint(10, 90)))
    agencies.health.encounter(child, anchor + timedelta(days=10), "ae", "Alcohol intoxication", hour=23)
    finished = happened(anchor, 250)
    if finished:
        sw.event(child, finished, "Completed restorative justice programme", "Young person completed the programme "
                 "and wrote a letter of apology.", shanarri=("responsible", "achieving"),
                 action="Plan reviewed; contact reduced.", impact="positive")
