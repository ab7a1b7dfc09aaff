"""Background jobs of lead scoring (Huey). Each one only calls a service."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from crm.scoring.services import scores_recount_all, signals_rescore


@db_periodic_task(crontab(hour="3", minute="40"))
@lock_task("scores-fade")
def fade_scores() -> int:
    """Every night: each score a day older (points halve every half-life)."""
    return scores_recount_all()


@db_task()
def rescore() -> int:
    """A rule or the half-life changed: every signal's points and every score again."""
    return signals_rescore()
