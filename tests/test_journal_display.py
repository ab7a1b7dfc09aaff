"""The journal reads as people write: moments in their time zone without microseconds, dates as
dd.mm.yyyy, and every key of a timeline entry's journal in their language (ISO text and raw keys such as
"channel" showed through)."""

from __future__ import annotations

import zoneinfo

from django.utils import timezone, translation

from crm.activities.services import JOURNALED
from crm.core.templatetags.crm import field_label, journal_value


def test_moments_and_dates_in_the_journal_are_shown_local_and_short():
    with timezone.override(zoneinfo.ZoneInfo("Europe/Moscow")):
        assert journal_value("occurred_at", "2026-03-14T07:05:09.123456+00:00") == "14.03.2026 10:05"
        assert journal_value("occurred_at", "2026-03-14T10:05:00+03:00") == "14.03.2026 10:05"
        assert journal_value("custom.birthday", "2026-03-14") == "14.03.2026"
        assert journal_value("summary", "Договорились на 2026-03-14, перезвонить") == (
            "Договорились на 2026-03-14, перезвонить"
        )


def test_every_key_of_a_timeline_entrys_journal_has_a_label_in_both_languages():
    for language in ("ru", "en"):
        with translation.override(language):
            unlabelled = [k for k in JOURNALED if field_label(k, "activities.entry") == k]
            assert unlabelled == [], language
