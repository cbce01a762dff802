"""DESIGN §8 "Search": the incident list page with filters and full-text search over 100,000 incidents,
p95 ≤ 100 ms server time under 8 concurrent clients (issue 12), and its query count constant in the page.

Data lives in its own database ``ed_bench_search`` (``--quick``: ``ed_bench_search_quick``): incidents whose
titles and descriptions are drawn from the desk's own vocabulary, two progress updates each, a few rare words
planted in updates only. Loaded once and reused. The stack is ``bench/stack.py``'s gunicorn; the driver and
the percentiles are ``bench_api``'s.
"""

from __future__ import annotations

import io
import os
import random
from datetime import timedelta
from urllib.parse import quote

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench import Figure, stack
from bench.bench_api import _drive, _p

PORT = int(os.environ.get("BENCH_SEARCH_PORT", "18870"))
WORDS = [
    "核心系统",
    "中断",
    "IVR",
    "语音导航",
    "坐席",
    "接通率",
    "服务水平",
    "下降",
    "排队",
    "超时",
    "话务量",
    "激增",
    "投诉",
    "升级",
    "群体性",
    "媒体",
    "舆情",
    "机房",
    "断电",
    "空调",
    "故障",
    "火灾",
    "报警",
    "烟感",
    "疫情",
    "防控",
    "网络",
    "专线",
    "中断",
    "短信",
    "通道",
    "录音",
    "系统",
    "信用卡",
    "支付",
    "失败",
    "电话银行",
    "转人工",
    "大厦",
    "停电",
    "消防",
    "演练",
    "监管",
    "报告",
    "总行",
    "办公室",
    "客户",
    "安抚",
    "话术",
    "更新",
    "备用",
    "线路",
    "切换",
    "厂商",
    "排查",
    "恢复",
    "值班",
    "主管",
    "现场",
    "指挥",
    "二线",
    "人员",
    "支援",
    "公告",
    "发布",
    "夜间",
    "值守",
    "数据库",
    "主备",
    "切换",
    "交换机",
    "重启",
]
RARE_WORDS = ("熔断器", "蓄电池组", "光缆被挖断")
STATES = [
    "monitoring",
    "reported",
    "activated",
    "executing",
    "terminated",
    "investigating",
    "closed",
    "dismissed",
]
CATEGORIES = ["system_outage", "disaster", "service_level", "business_dispute", "fund_loss", "other"]
PLAN_OF = {
    "system_outage": "phone",
    "service_level": "phone",
    "disaster": "sudden",
    "business_dispute": "complaint",
    "fund_loss": "complaint",
}


def _phrase(rng: random.Random, words: int) -> str:
    return "".join(rng.choice(WORDS) for _ in range(words))


def _load(incidents: int) -> None:
    from django.contrib.auth import get_user_model

    from incidents.models import Incident
    from teams.models import Team

    if Incident.objects.count() >= incidents:
        return
    call_command("seed_demo", stdout=io.StringIO())
    gm = get_user_model().objects.get(username="gm")
    teams = {team.code: team for team in Team.objects.filter(code__in=Team.WORKING_GROUPS)}
    rng = random.Random(12)
    now = timezone.now()
    batch: list[Incident] = []
    for n in range(incidents):
        category = CATEGORIES[n % len(CATEGORIES)]
        plan = PLAN_OF.get(category, "")
        batch.append(
            Incident(
                title=f"{_phrase(rng, 3)} {n}",
                description=f"{_phrase(rng, 4)}，影响约 {rng.randint(5, 400)} 名客户；{_phrase(rng, 3)}。",
                category=category,
                plan=plan,
                lead_group=teams.get(plan) if plan else None,
                grade=rng.choice(["I", "II", "III", "IV", ""]),
                is_drill=n % 10 == 0,
                detected_at=now - timedelta(minutes=n * 7),
                state=STATES[n % len(STATES)],
                declared_by=gm,
            )
        )
        if len(batch) == 5000:
            Incident.objects.bulk_create(batch)  # the insert trigger computes each search document
            batch = []
    if batch:
        Incident.objects.bulk_create(batch)
    ids = list(Incident.objects.order_by("id").values_list("id", flat=True))
    buffer = io.StringIO()
    for position, incident_id in enumerate(ids):
        for k in range(2):
            text = f"{_phrase(rng, 5)}，{_phrase(rng, 2)}"
            if position % 997 == 0 and k == 1:
                text += f"，{RARE_WORDS[position % len(RARE_WORDS)]}"
            at = (now - timedelta(minutes=position * 7 - 10 * (k + 1))).isoformat()
            buffer.write(f"{incident_id}\t{gm.pk}\t{text}\t{at}\n")
    buffer.seek(0)
    with connection.cursor() as cursor:
        # One pass over the incidents afterwards instead of the update trigger once per row.
        cursor.execute("SET session_replication_role = replica")
        cursor.cursor.copy_expert(
            "COPY incidents_progressupdate (incident_id, author_id, text, at) FROM STDIN", buffer
        )
        cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute(
            "UPDATE incidents_incident"
            " SET search_document = desk_incident_search_document(id, title, description)"
        )
        cursor.execute("VACUUM ANALYZE incidents_incident")
        cursor.execute("ANALYZE incidents_progressupdate")


def _session_cookie(username: str) -> str:
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return f"sessionid={client.cookies['sessionid'].value}"


def _queries(path: str) -> tuple[int, int]:
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(get_user_model().objects.get(username="gm"))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, secure=True)
    assert response.status_code == 200, (path, response.status_code)
    return len(queries), response.content.decode().count("<tr data-incident=")


def run(quick: bool) -> list[Figure]:
    name = stack.bench_db_name("search", quick)
    incidents = 3_000 if quick else 100_000
    seconds = 4.0 if quick else 15.0
    stack.ensure_database(name)
    with stack.using_database(name):
        call_command("migrate", verbosity=0)
        _load(incidents)
        from incidents.models import Incident, ProgressUpdate

        total = Incident.objects.count()
        updates = ProgressUpdate.objects.count()
        cookie = _session_cookie("gm")
        few = f"/incidents/?q={quote('光缆被挖断')}&state=closed"
        counts = {path: _queries(path) for path in (few, "/incidents/?q=" + quote("故障"))}
    print(f"   {name}: {total} incidents, {updates} progress updates; queries/rows {counts}", flush=True)

    common, rare = quote("故障"), quote("熔断器")
    search_paths = [
        f"/incidents/?q={common}",
        f"/incidents/?q={rare}",
        f"/incidents/?q={quote('机房断电')}&state=closed",
        f"/incidents/?q={quote('接通率')}&sort=title",
        f"/incidents/?q={common}&grade=II&drill=exclude&page=3",
        f"/incidents/?q=ivr&detected_from={(timezone.localdate() - timedelta(days=60)).isoformat()}",
        f"/incidents/?q={quote('光缆被挖断')}&needs_me=on",
    ]
    filter_paths = [
        "/incidents/",
        "/incidents/?state=open&grade=II&drill=exclude",
        "/incidents/?category=disaster&sort=state&page=2",
        "/incidents/?needs_me=on",
    ]
    env = stack.stack_env(name, SERVER_TIMING="1")
    headers = {"Cookie": cookie}
    with stack.gunicorn(env, PORT) as base:
        _drive(base, search_paths + filter_paths, None, 2.0, headers=headers)  # warm up
        searching = _drive(base, search_paths, None, seconds, headers=headers)
        filtering = _drive(base, filter_paths, None, seconds, headers=headers)

    scale = f"{total // 1000}k inc"
    search_p95 = _p(searching["server"], 95)
    filter_p95 = _p(filtering["server"], 95)
    errors = searching["errors"][0] + filtering["errors"][0]
    (few_queries, few_rows), (many_queries, many_rows) = counts.values()
    return [
        Figure(
            "search", f"list + full-text search p50 server time ({scale})", _p(searching["server"], 50), "ms"
        ),
        Figure(
            "search",
            f"list + full-text search p95 server time ({scale})",
            search_p95,
            "ms",
            "≤ 100",
            search_p95 <= 100,
        ),
        Figure(
            "search", "list with filters only p95 server time", filter_p95, "ms", "≤ 100", filter_p95 <= 100
        ),
        Figure(
            "search", "search page throughput (8 clients)", len(searching["round_trip"]) / seconds, "req/s"
        ),
        Figure(
            "search",
            f"queries per list page ({few_rows} vs {many_rows} rows)",
            many_queries,
            "queries",
            f"= {few_queries}",
            few_queries == many_queries,
        ),
        Figure("search", "errors during the search benchmark", errors, "count", "0", errors == 0),
    ]
