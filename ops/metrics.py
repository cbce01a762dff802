"""The desk's own figures for Prometheus, read from the database at scrape time.

The database is the truth for every one of them (timers are rows, notifications are rows), so nothing is
kept in process memory: any gunicorn process, any replica, answers the same — no multiprocess directory,
no counter reset on restart. Eight aggregate queries and one broker connection per scrape."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, DurationField, ExpressionWrapper, F, Min, Q, Sum
from django.utils import timezone
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector

from escalation.models import Notification, Timer
from incidents.models import Incident
from incidents.models.incident import OPEN_STATES
from monitoring.models import IntervalFigure, SystemEvent

from . import selectors

LATENESS_BUCKETS = (0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 900.0)


def _pending() -> Q:
    return Q(fired_at__isnull=True, cancelled_at__isnull=True)


class DeskCollector(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily | HistogramMetricFamily]:
        yield from self._timers()
        yield from self._sweep()
        yield from self._notifications()
        yield from self._incidents()
        yield from self._ingestion()

    def _timers(self) -> Iterator[GaugeMetricFamily | HistogramMetricFamily]:
        lateness = ExpressionWrapper(F("fired_at") - F("due_at"), output_field=DurationField())
        buckets = {
            f"le_{n}": Count("id", filter=Q(lateness__lte=timedelta(seconds=bound)))
            for n, bound in enumerate(LATENESS_BUCKETS)
        }
        fired = (
            Timer.objects.filter(fired_at__isnull=False)
            .annotate(lateness=lateness)
            .aggregate(count=Count("id"), total=Sum("lateness"), **buckets)
        )
        histogram = HistogramMetricFamily(
            "desk_timer_lateness_seconds",
            "Fired timers by how long after their due time they fired (all timers ever fired).",
            buckets=[(str(bound), fired[f"le_{n}"]) for n, bound in enumerate(LATENESS_BUCKETS)]
            + [("+Inf", fired["count"])],
            sum_value=fired["total"].total_seconds() if fired["total"] else 0.0,
        )
        yield histogram
        now = timezone.now()
        due = Timer.objects.filter(_pending(), due_at__lte=now).aggregate(
            count=Count("id"), oldest=Min("due_at")
        )
        yield GaugeMetricFamily(
            "desk_timers_due_unfired",
            "Timers past their due time and neither fired nor cancelled.",
            due["count"],
        )
        yield GaugeMetricFamily(
            "desk_timers_oldest_due_unfired_seconds",
            "How long the oldest due-but-unfired timer has been due (0 when none).",
            (now - due["oldest"]).total_seconds() if due["oldest"] else 0.0,
        )
        yield GaugeMetricFamily(
            "desk_timers_pending",
            "Timers not yet fired nor cancelled.",
            Timer.objects.filter(_pending()).count(),
        )

    def _sweep(self) -> Iterator[GaugeMetricFamily]:
        yield GaugeMetricFamily(
            "desk_sweep_period_seconds", "Configured timer sweep period.", settings.ESCALATION_SWEEP_SECONDS
        )
        age = selectors.heartbeat_age_seconds("sweep")
        if age is not None:  # absent until the first sweep ran: alert on absent() too
            yield GaugeMetricFamily(
                "desk_sweep_last_run_age_seconds", "Seconds since a timer sweep last completed.", age
            )
        broker = GaugeMetricFamily("desk_broker_up", "1 when the Celery broker accepted a connection.")
        broker.add_metric([], 1.0 if selectors.broker_ok() else 0.0)
        yield broker

    def _notifications(self) -> Iterator[CounterMetricFamily]:
        failures = CounterMetricFamily(
            "desk_notification_failures",
            "Notifications that ended failed after their retries, by channel.",
            labels=["channel"],
        )
        counts = dict(
            Notification.objects.filter(status=Notification.Status.FAILED)
            .values("channel")
            .annotate(n=Count("id"))
            .values_list("channel", "n")
        )
        for channel in Notification.Channel.values:
            failures.add_metric([channel], counts.get(channel, 0))
        yield failures

    def _incidents(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "desk_incidents_open",
            "Open incidents by state and plan (drills included).",
            labels=["state", "plan"],
        )
        rows = (
            Incident.objects.filter(state__in=OPEN_STATES)
            .values("state", "plan")
            .annotate(n=Count("id"))
            .values_list("state", "plan", "n")
        )
        for state, plan, n in rows:
            family.add_metric([state, plan or "none"], n)
        yield family

    def _ingestion(self) -> Iterator[GaugeMetricFamily]:
        lag = GaugeMetricFamily(
            "desk_ingestion_lag_seconds",
            "Delay between the end of the newest interval (or the newest system event) and its arrival.",
            labels=["feed"],
        )
        age = GaugeMetricFamily(
            "desk_ingestion_last_received_age_seconds",
            "Seconds since the feed last delivered.",
            labels=["feed"],
        )
        now = timezone.now()
        figure = IntervalFigure.objects.order_by("-received_at").values(
            "received_at", "interval_start", "interval_minutes"
        )[:1]
        for row in figure:
            end = row["interval_start"] + timedelta(minutes=row["interval_minutes"])
            lag.add_metric(["interval_figures"], max((row["received_at"] - end).total_seconds(), 0.0))
            age.add_metric(["interval_figures"], (now - row["received_at"]).total_seconds())
        latest = SystemEvent.objects.order_by("-received_at").values("received_at", "at")[:1]
        for event in latest:
            lag.add_metric(["system_events"], max((event["received_at"] - event["at"]).total_seconds(), 0.0))
            age.add_metric(["system_events"], (now - event["received_at"]).total_seconds())
        yield lag
        yield age
