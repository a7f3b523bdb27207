"""The five agency record builders, passed together to the story writers."""

from __future__ import annotations

import random
from dataclasses import dataclass

from sandbox.cohort.education import EducationRecords
from sandbox.cohort.health import HealthRecords
from sandbox.cohort.police import PoliceRecords
from sandbox.cohort.scra import ScraRecords
from sandbox.cohort.social_work import SocialWorkRecords


@dataclass
class Agencies:
    health: HealthRecords
    education: EducationRecords
    police: PoliceRecords
    scra: ScraRecords
    social_work: SocialWorkRecords

    @classmethod
    def empty(cls, rng: random.Random) -> Agencies:
        """Fresh builders sharing the generator's random source."""
        return cls(HealthRecords(), EducationRecords(rng), PoliceRecords(rng), ScraRecords(), SocialWorkRecords())
