"""What can be wrong with a survey link or an answer, each with the status the page gets."""

from __future__ import annotations

from gongdan.errors import GongdanError


class SurveyLinkInvalid(GongdanError):
    """A forged, damaged or unknown link (indistinguishable on purpose)."""

    code = "survey_link_invalid"
    status = 404


class SurveyExpired(GongdanError):
    """The invitation's answering time is over."""

    code = "survey_expired"
    status = 410


class SurveyAlreadyAnswered(GongdanError):
    """The invitation has its one answer already."""

    code = "survey_answered"
    status = 409
