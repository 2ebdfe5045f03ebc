#!/usr/bin/env python3
"""Every tenant's revenue and platform cost in report.json, worked out by hand to the pico-dollar.

Revenue: an oracle independent of core/domain/revenue.cc (Python's calendar and exact fractions, the
tier table, each tenant's tier changes as the report lists them). Platform cost: the DynamoDB and
Cognito quantities of each tenant priced with the catalog's list prices (harness/platform_costs.cc).
With RESULTS_SQLITE, its tenants and prices tables must say the same as report.json.
   economics_by_hand.py REPORT_JSON TIERS_JSON PRICES_JSON [RESULTS_SQLITE]
"""
import calendar
import datetime as dt
import json
import sqlite3
import sys
from decimal import Decimal
from fractions import Fraction

report = json.load(open(sys.argv[1]))
tiers = json.load(open(sys.argv[2]))["tiers"]
prices = {p["metric"]: Fraction(Decimal(p["usd"])) * 10**12 / p["per"]
          for p in json.load(open(sys.argv[3]))["prices"] if "model" not in p}
fee = {name: int(Decimal(t.get("monthly_fee_usd", "0")) * 10**12) for name, t in tiers.items()}


def parse(iso):
    return dt.datetime.strptime(iso[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=dt.timezone.utc) + \
        dt.timedelta(microseconds=int((iso[20:26] or "0").ljust(6, "0")) if len(iso) > 20 else 0)


def prorate(pico_fee, a, b):
    total = 0
    month = dt.datetime(a.year, a.month, 1, tzinfo=dt.timezone.utc)
    while month < b:
        days = calendar.monthrange(month.year, month.month)[1]
        nxt = month + dt.timedelta(days=days)
        lo, hi = max(a, month), min(b, nxt)
        if lo < hi:
            total += (Fraction(pico_fee) * Fraction((hi - lo) // dt.timedelta(microseconds=1),
                                                    (nxt - month) // dt.timedelta(microseconds=1))).__floor__()
        month = nxt
    return total


start = parse(report["scenario"]["start"])
end = start + dt.timedelta(hours=report["scenario"]["duration_hours"])
checked = changed = 0
for t in report["tenants"]:
    periods, tier, since = [], t["tier"], start
    for c in t.get("tier_changes", []):
        at = parse(c["at"])
        periods.append((tier, since, at))
        tier, since = c["to"], at
        changed += 1
    periods.append((tier, since, end))
    want = sum(prorate(fee.get(p[0], 0), p[1], p[2]) for p in periods)
    got = t["revenue"]["pico_usd"]
    if got != want:
        sys.exit(f"tenant {t['id']} ({t['tier']}, changes {t.get('tier_changes', [])}): revenue {got} pico, by hand {want}")
    q = t["quantities"]
    dynamo = (Fraction(q.get("dynamodb_read_half_units", 0)) * prices.get("dynamodb_read_request_unit", 0) / 2).__floor__() + \
        q.get("dynamodb_write_request_units", 0) * prices.get("dynamodb_write_request_unit", 0)
    cognito = q.get("cognito_monthly_active_users", 0) * prices.get("cognito_monthly_active_user", 0)
    for svc, want_cost in (("dynamodb", dynamo), ("cognito", cognito)):
        got_cost = t["cost_by_service"].get(svc, {"pico_usd": 0})["pico_usd"]
        if got_cost != want_cost:
            sys.exit(f"tenant {t['id']}: {svc} cost {got_cost} pico, by hand {want_cost} from {q}")
    if not q.get("dynamodb_write_request_units"):
        sys.exit(f"tenant {t['id']}: no DynamoDB writes on record (it was onboarded through the API)")
    checked += 1
total = sum(t["revenue"]["pico_usd"] for t in report["tenants"])
if report["costs"]["revenue"]["pico_usd"] != total:
    sys.exit(f"costs.revenue {report['costs']['revenue']['pico_usd']} is not the tenants' sum {total}")
# The days add up to the run: revenue exactly (differences of cumulative revenue), and the metered
# cost per day to the tenants' metered services; the users' costs to their tenant's.
metered = ("bedrock_agent", "weather_api", "mcp_runtime", "knowledge_base")
if sum(d["revenue"]["pico_usd"] for d in report["daily"]) != total:
    sys.exit(f"daily revenue sums to {sum(d['revenue']['pico_usd'] for d in report['daily'])}, the run's is {total}")
tenant_metered = {t["id"]: sum(t["cost_by_service"].get(s, {"pico_usd": 0})["pico_usd"] for s in metered)
                  for t in report["tenants"]}
if sum(d["metered_cost"]["pico_usd"] for d in report["daily"]) != sum(tenant_metered.values()):
    sys.exit("daily metered cost does not add up to the tenants' metered cost")
by_tenant = {}
for u in report["users"]:
    by_tenant[u["tenant"]] = by_tenant.get(u["tenant"], 0) + u["cost"]["pico_usd"]
for tid, pico in tenant_metered.items():
    if by_tenant.get(tid, 0) != pico:
        sys.exit(f"tenant {tid}: its users' costs add up to {by_tenant.get(tid, 0)}, its metered cost is {pico}")
# Every UTC day the run touches has a row (days before or after it may too: onboarding, and answers
# that land after the end, cost something).
want_days, day = set(), start.date()
while dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc) < end:
    want_days.add(day.isoformat())
    day += dt.timedelta(days=1)
have_days = {d["day"] for d in report["daily"]}
if not want_days <= have_days:
    sys.exit(f"daily rows lack the run's days {sorted(want_days - have_days)}")
days = len(want_days)
if len(sys.argv) > 4:
    db = sqlite3.connect(sys.argv[4])
    rows = {r[0]: r[1:] for r in db.execute("SELECT tenant, tier, cost_pico_usd, revenue_pico_usd FROM tenants")}
    for t in report["tenants"]:
        if rows.get(t["id"]) != (t["tier"], t["cost"]["pico_usd"], t["revenue"]["pico_usd"]):
            sys.exit(f"results.sqlite tenants row of {t['id']} is {rows.get(t['id'])}")
    if len(rows) != len(report["tenants"]):
        sys.exit(f"results.sqlite has {len(rows)} tenants, report.json {len(report['tenants'])}")
    table = sorted(db.execute("SELECT metric, model, pico_usd_per_unit FROM prices"))
    if table != sorted((p["metric"], p["model"], p["per_unit"]["pico_usd"]) for p in report["prices"]) or not table:
        sys.exit("results.sqlite prices differ from report.json's")
if checked == 0:
    sys.exit("no tenants to check")
print(f"economics_by_hand: {checked} tenants ({changed} tier changes), {len(report['users'])} users, {days} days: "
      "revenue, DynamoDB and Cognito cost match to the pico-dollar; days and users add up")
