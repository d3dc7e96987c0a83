"""The job queue: what a write sets off is written with it, runs after its commit
(never after a rollback), is retried when it fails, parked when it keeps failing,
and survives a worker that dies mid-job."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from forum import changes
from forum.extensions import db
from forum.infra import jobs
from forum.inputs import SearchRequest
from forum.models import Job, Notification, utcnow
from forum.services import notifications, posting, searching
from tests.factories import ensure_tags, make_question, make_user


@pytest.fixture
def config_overrides():
    # Only `jobs.drain()` (what `flask jobs work` runs) runs the queue here.
    return {"JOBS_WORKER": "external", "JOBS_MAX_ATTEMPTS": 3}


def queued() -> list[tuple[str, int, str]]:
    db.session.rollback()
    return [(j.kind, j.attempts, j.state) for j in db.session.scalars(select(Job).order_by(Job.id))]


def inbox_of(user) -> list[str]:
    db.session.rollback()
    return [n.kind for n in db.session.scalars(
        select(Notification).where(Notification.user_id == user.id))]


def found(q: str) -> list[int]:
    return [f.question.id for f in searching.search_threads(SearchRequest(q=q)).items]


_FLAKY = {"fail": True, "runs": 0}


@jobs.handler("test-flaky")
def _flaky(user_id: int) -> None:
    """Writes a notification, then fails while told to: its write must not stay."""
    _FLAKY["runs"] += 1
    notifications.notify([user_id], "moderator", "a flaky job's note", "/inbox",
                         actor_id=None, post_id=None)
    if _FLAKY["fail"]:
        raise RuntimeError("the mail relay is down")


def test_an_answer_returns_before_its_side_effects_which_the_worker_runs(app, api):
    asker, helper = make_user(), make_user(reputation_points=50)
    question = make_question(asker, title="Docking station drops the ethernet link overnight")
    jobs.drain()
    response = api.post(helper, f"/api/v1/questions/{question.id}/answers",
                        json={"body": "Turn off green mode in the Realtek driver of the dock."})
    assert response.status_code == 201, response.get_json()
    # Written with the answer, not run by the request.
    assert [kind for kind, *_ in queued()] == ["event", "threads"]
    assert inbox_of(asker) == []
    assert found("realtek") == []
    assert jobs.drain() == 2
    assert queued() == []
    assert inbox_of(asker) == ["answer"]
    assert found("realtek") == [question.id]


def test_a_write_that_rolls_back_queues_nothing(app):
    from forum.inputs import QuestionDraft

    asker = make_user(reputation_points=50)
    ensure_tags("touchpad")
    with pytest.raises(RuntimeError), changes.writing():
        posting.ask_question(asker, QuestionDraft(
            title="Touchpad gestures stop working after sleep",
            body="Two-finger scrolling is gone until I reboot the laptop.", tags=("touchpad",)))
        raise RuntimeError("something later in the same unit failed")
    assert queued() == []
    assert jobs.drain() == 0
    assert found("touchpad gestures") == []


def test_a_failing_job_is_retried_then_parked_and_an_admin_retries_it(app, client, auth):
    user, admin, member = make_user(), make_user(role="admin"), make_user()
    _FLAKY.update(fail=True, runs=0)
    jobs.enqueue("test-flaky", user_id=user.id)
    assert jobs.drain() == 0
    assert queued() == [("test-flaky", 1, "queued")]
    assert inbox_of(user) == []                 # its write rolled back with it
    job = db.session.scalars(select(Job)).one()
    assert job.run_at > utcnow() and "mail relay is down" in job.last_error
    assert jobs.drain() == 0                    # not due yet: nothing runs
    assert _FLAKY["runs"] == 1
    later = utcnow() + timedelta(hours=1)
    jobs.drain(now=later)
    jobs.drain(now=later + timedelta(hours=1))
    assert queued() == [("test-flaky", 3, "dead")]
    assert jobs.drain(now=later + timedelta(days=1)) == 0     # parked: never run again
    assert _FLAKY["runs"] == 3

    auth.login(member)
    assert client.get("/admin/jobs").status_code == 403
    auth.logout()
    auth.login(admin)
    page = client.get("/admin/jobs").get_data(as_text=True)
    assert "test-flaky" in page and "RuntimeError: the mail relay is down" in page
    assert "1 parked" in " ".join(page.split())
    response = client.post("/admin/jobs/retry", data={"id": str(job.id)})
    assert response.status_code == 303
    assert queued() == [("test-flaky", 0, "queued")]
    _FLAKY["fail"] = False
    assert jobs.drain() == 1
    assert queued() == []
    assert inbox_of(user) == ["moderator"]      # once, although it ran four times


def test_the_admin_page_discards_parked_jobs_and_says_when_none_are_ticked(app, client, auth):
    admin = make_user(role="admin")
    _FLAKY.update(fail=True, runs=0)
    app.config["JOBS_MAX_ATTEMPTS"] = 1
    jobs.enqueue("test-flaky", user_id=admin.id)
    jobs.drain()
    assert queued() == [("test-flaky", 1, "dead")]
    auth.login(admin)
    response = client.post("/admin/jobs/discard", data={}, follow_redirects=True)
    assert "Tick the jobs to discard" in response.get_data(as_text=True)
    assert queued() == [("test-flaky", 1, "dead")]
    job_id = db.session.scalars(select(Job.id)).one()
    client.post("/admin/jobs/discard", data={"id": str(job_id)})
    assert queued() == []
    assert "No parked jobs" in client.get("/admin/jobs").get_data(as_text=True)


def test_a_worker_that_dies_mid_job_loses_neither_the_notification_nor_the_index_update(app, api):
    asker, helper = make_user(), make_user(reputation_points=50)
    question = make_question(asker, title="Scanner feeder pulls two sheets at once")
    jobs.drain()
    api.post(helper, f"/api/v1/questions/{question.id}/answers",
             json={"body": "Clean the pad with isopropyl alcohol."})
    # A worker claims both jobs and is killed before finishing: the rows stay
    # claimed for the lease, and nothing of theirs was committed.
    taken = jobs.claim("worker-killed-mid-job")
    assert {job.kind for job in taken} == {"event", "threads"}
    assert jobs.drain() == 0                                # still leased
    assert inbox_of(asker) == [] and found("isopropyl") == []
    after_lease = utcnow() + timedelta(seconds=app.config["JOBS_LEASE_SECONDS"] + 1)
    assert jobs.drain(now=after_lease) == 2
    assert inbox_of(asker) == ["answer"]
    assert found("isopropyl") == [question.id]
    assert queued() == []


def test_cli_status_and_work_once(app):
    user = make_user()
    jobs.enqueue("event", event="moderator_message", actor_id=None, user_id=user.id,
                 text="Please add the log file.")
    runner = app.test_cli_runner()
    assert "1 queued" in runner.invoke(args=["jobs", "status"]).output
    result = runner.invoke(args=["jobs", "work", "--once"])
    assert result.exit_code == 0 and "1 job(s) done" in result.output
    assert inbox_of(user) == ["moderator"]
    assert runner.invoke(args=["jobs", "status"]).output.startswith("0 queued; 0 dead.")


def test_a_thread_runner_runs_the_queue_after_the_commit(app, api):
    app.config["JOBS_WORKER"] = "thread"
    app.config["JOBS_GATHER_SECONDS"] = 0.05
    asker, helper = make_user(), make_user(reputation_points=50)
    question = make_question(asker, title="Smart plug forgets its schedule after a power cut")
    api.post(helper, f"/api/v1/questions/{question.id}/answers",
             json={"body": "Set the time zone in the app; the schedule is kept in UTC."})
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and (queued() or inbox_of(asker) != ["answer"]):
        time.sleep(0.05)
    assert inbox_of(asker) == ["answer"]
    assert jobs.runner(app).idle.wait(20)
    assert queued() == []


def test_an_unknown_worker_mode_stops_the_app_at_start(tmp_path):
    from forum.app import create_app
    from tests.conftest import base_config

    with pytest.raises(RuntimeError, match="JOBS_WORKER"):
        create_app({**base_config(tmp_path), "JOBS_WORKER": "celery"})


def test_eager_mode_runs_every_job_of_a_large_commit(app):
    app.config["JOBS_WORKER"] = "eager"
    user = make_user()
    with changes.writing():
        for n in range(jobs.CLAIM_BATCH + 50):
            jobs.enqueue("event", event="moderator_message", actor_id=None, user_id=user.id,
                         text=f"Note {n}")
    assert queued() == []
    assert len(inbox_of(user)) == jobs.CLAIM_BATCH + 50
