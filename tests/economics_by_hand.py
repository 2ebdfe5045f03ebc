#!/usr/bin/env python3
"""Every tenant's revenue and platform cost in report.json, worked out by hand to the pico-dollar.

Revenue: an oracle independent of core/domain/revenue.cc (Python's calendar and exact fractions, the
tier table with the scenario's tier_overrides and the run's --set edits applied, each tenant's tier
changes and messages per month as the report lists them): fees and seats prorated per calendar month,
overage per month and tier. Platform cost: the DynamoDB and Cognito quantities of each tenant priced
with the catalog's list prices (harness/platform_costs.cc), and the silo tenants' fixed monthly lines
prorated over their silo periods. With RESULTS_SQLITE, its tenants, daily and prices tables must say
the same as report.json.
   economics_by_hand.py REPORT_JSON TIERS_JSON PRICES_JSON [RESULTS_SQLITE] [--scenario SCENARIO_JSON] [--require-all-lines]
                      [--schema-md reports/SCHEMA.md (its example queries must run on RESULTS_SQLITE)]
"""
import calendar
import datetime as dt
import json
import sqlite3
import sys
from decimal import Decimal
from fractions import Fraction

args = sys.argv[1:]
# --require-all-lines: seats, overage and silo fixed cost must each be non-zero somewhere (a run meant
# to exercise them that does not proves nothing about them).
require_all = "--require-all-lines" in args
if require_all:
    args.remove("--require-all-lines")
scenario = {}
schema_md, queries_run = None, 0
if "--schema-md" in args:
    i = args.index("--schema-md")
    schema_md = args[i + 1]
    del args[i:i + 2]
if "--scenario" in args:
    i = args.index("--scenario")
    scenario = json.load(open(args[i + 1]))
    del args[i:i + 2]
report = json.load(open(args[0]))
tiers = json.load(open(args[1]))["tiers"]
# The run's tier table: the scenario file's tier_overrides, then its --set edits of them.
for name, fields in scenario.get("tier_overrides", {}).items():
    tiers.setdefault(name, {}).update(fields)
for edit in report["scenario"].get("overrides", []):
    path, _, value = edit.partition("=")
    parts = path.split(".")
    if parts[0] == "tier_overrides" and len(parts) == 3:
        try:
            value = json.loads(value)
        except ValueError:
            pass  # not JSON: the text itself (scenarios/overrides.h)
        tiers.setdefault(parts[1], {})[parts[2]] = value
catalog = json.load(open(args[2]))["prices"]
prices = {p["metric"]: Fraction(Decimal(p["usd"])) * 10**12 / p["per"]
          for p in catalog if "model" not in p and "resource" not in p}
prices_by_model = {(p["metric"], p["model"]): Fraction(Decimal(p["usd"])) * 10**12 / p["per"]
                   for p in catalog if "model" in p}
silo_fixed = [int(Decimal(p["usd"]) * 10**12) for p in catalog if p["metric"] == "silo_fixed_monthly"]


def pico(t, field):
    return int(Decimal(t.get(field, "0")) * 10**12)


fee = {name: pico(t, "monthly_fee_usd") for name, t in tiers.items()}
seat_fee = {name: pico(t, "seat_fee_usd") for name, t in tiers.items()}
overage_fee = {name: pico(t, "overage_usd_per_message") for name, t in tiers.items()}
silo = {name for name, t in tiers.items() if t.get("deployment") == "silo"}


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
checked = changed = fixed_total = 0
lines_total = [0, 0]  # seats, overage
for t in report["tenants"]:
    periods, tier, since = [], t["tier"], start
    for c in t.get("tier_changes", []):
        at = parse(c["at"])
        periods.append((tier, since, at))
        tier, since = c["to"], at
        changed += 1
    periods.append((tier, since, end))
    extra = {p[0]: max(0, t["users"] - tiers.get(p[0], {}).get("included_seats", 0)) for p in periods}
    overage = 0
    for m in t["messages_by_month"]:
        over = max(0, m["messages"] - tiers.get(m["tier"], {}).get("included_messages", 0))
        overage += over * overage_fee.get(m["tier"], 0)
    want_lines = {"subscription": sum(prorate(fee.get(p[0], 0), p[1], p[2]) for p in periods),
                  "seats": sum(prorate(seat_fee.get(p[0], 0) * extra[p[0]], p[1], p[2]) for p in periods),
                  "overage": overage}
    for line, want in want_lines.items():
        got = t["revenue_lines"][line]["pico_usd"]
        if got != want:
            sys.exit(f"tenant {t['id']} ({t['tier']}, changes {t.get('tier_changes', [])}): {line} revenue {got} pico, "
                     f"by hand {want}")
    if t["revenue"]["pico_usd"] != sum(want_lines.values()):
        sys.exit(f"tenant {t['id']}: revenue {t['revenue']['pico_usd']} is not the sum of its lines {want_lines}")
    if sum(m["messages"] for m in t["messages_by_month"]) != t["chats_accepted"]:
        sys.exit(f"tenant {t['id']}: messages by month do not add up to its {t['chats_accepted']} accepted chats")
    lines_total[0] += want_lines["seats"]
    lines_total[1] += want_lines["overage"]
    fixed = sum(prorate(price, p[1], p[2]) for p in periods if p[0] in silo for price in silo_fixed)
    fixed_total += fixed
    if t["cost_by_service"].get("silo_fixed", {"pico_usd": 0})["pico_usd"] != fixed:
        sys.exit(f"tenant {t['id']}: silo fixed cost {t['cost_by_service'].get('silo_fixed')}, by hand {fixed}")
    if sum(c["pico_usd"] for c in t["cost_by_service"].values()) != t["cost"]["pico_usd"]:
        sys.exit(f"tenant {t['id']}: its cost is not the sum of its services")
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
metered = ("bedrock_agent", "weather_api", "mcp_runtime", "knowledge_base", "agentcore_runtime", "agentcore_gateway")
if sum(d["revenue"]["pico_usd"] for d in report["daily"]) != total:
    sys.exit(f"daily revenue sums to {sum(d['revenue']['pico_usd'] for d in report['daily'])}, the run's is {total}")
if sum(d["fixed_cost"]["pico_usd"] for d in report["daily"]) != fixed_total:
    sys.exit(f"daily fixed cost sums to {sum(d['fixed_cost']['pico_usd'] for d in report['daily'])}, the tenants' "
             f"is {fixed_total}")
# The platform cost per day (DynamoDB units of the day, Cognito MAUs on their first day) adds up to
# the tenants' dynamodb and cognito costs, to the pico.
platform_total = sum(t["cost_by_service"].get(s, {"pico_usd": 0})["pico_usd"]
                     for t in report["tenants"] for s in ("dynamodb", "cognito"))
if sum(d["platform_cost"]["pico_usd"] for d in report["daily"]) != platform_total:
    sys.exit(f"daily platform cost sums to {sum(d['platform_cost']['pico_usd'] for d in report['daily'])}, the tenants' "
             f"is {platform_total}")
if platform_total == 0:
    sys.exit("no platform cost in the run: DynamoDB and Cognito went unpriced")
day_kinds = ("revenue", "metered_cost", "fixed_cost", "platform_cost")
months = {}
for d in report["daily"]:
    m = months.setdefault(d["day"][:7], {"days": 0, **{k: 0 for k in day_kinds}})
    m["days"] += 1
    for k in day_kinds:
        m[k] += d[k]["pico_usd"]
got_months = {m["month"]: {"days": m["days"], **{k: m[k]["pico_usd"] for k in day_kinds}}
              for m in report["monthly"]}
if got_months != months:
    sys.exit(f"monthly rows {got_months} are not the days added up {months}")
tenant_metered = {t["id"]: sum(t["cost_by_service"].get(s, {"pico_usd": 0})["pico_usd"] for s in metered)
                  for t in report["tenants"]}
if sum(d["metered_cost"]["pico_usd"] for d in report["daily"]) != sum(tenant_metered.values()):
    sys.exit("daily metered cost does not add up to the tenants' metered cost")
by_tenant, revenue_by_tenant, user_shares = {}, {}, {}
for u in report["users"]:
    by_tenant[u["tenant"]] = by_tenant.get(u["tenant"], 0) + u["cost"]["pico_usd"]
    revenue_by_tenant[u["tenant"]] = revenue_by_tenant.get(u["tenant"], 0) + u["revenue"]["pico_usd"]
    user_shares.setdefault(u["tenant"], []).append(u["revenue"]["pico_usd"])
# Every user has a row, and its tenant's revenue is split evenly over them to the pico.
for t in report["tenants"]:
    shares = user_shares.get(t["id"], [])
    if len(shares) != t["users"]:
        sys.exit(f"tenant {t['id']}: {len(shares)} user rows for {t['users']} users")
    if revenue_by_tenant.get(t["id"], 0) != t["revenue"]["pico_usd"] or (shares and max(shares) - min(shares) > 1):
        sys.exit(f"tenant {t['id']}: its users' revenue {shares} is not its revenue {t['revenue']['pico_usd']} split evenly")
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
if len(args) > 3:
    db = sqlite3.connect(args[3])
    rows = {r[0]: r[1:] for r in db.execute("SELECT tenant, tier, cost_pico_usd, revenue_pico_usd, subscription_pico_usd, "
                                            "seats_pico_usd, overage_pico_usd FROM tenants")}
    for t in report["tenants"]:
        lines = tuple(t["revenue_lines"][k]["pico_usd"] for k in ("subscription", "seats", "overage"))
        if rows.get(t["id"]) != (t["tier"], t["cost"]["pico_usd"], t["revenue"]["pico_usd"]) + lines:
            sys.exit(f"results.sqlite tenants row of {t['id']} is {rows.get(t['id'])}")
    daily = sorted(db.execute("SELECT day, revenue_pico_usd, metered_cost_pico_usd, fixed_cost_pico_usd, "
                              "platform_cost_pico_usd FROM daily"))
    if daily != sorted((d["day"], *(d[k]["pico_usd"] for k in day_kinds)) for d in report["daily"]):
        sys.exit("results.sqlite daily rows differ from report.json's")
    users_db = sorted(db.execute("SELECT tenant, user, cost_pico_usd, revenue_pico_usd FROM users"))
    if users_db != sorted((u["tenant"], u["user"], u["cost"]["pico_usd"], u["revenue"]["pico_usd"]) for u in report["users"]):
        sys.exit("results.sqlite users rows differ from report.json's")
    if len(rows) != len(report["tenants"]):
        sys.exit(f"results.sqlite has {len(rows)} tenants, report.json {len(report['tenants'])}")
    # costs carry the tenant's tier; daily_costs add up to each tenant's cost, every service.
    tier_of = {t["id"]: t["tier"] for t in report["tenants"]}
    for tenant, tier in db.execute("SELECT DISTINCT tenant, tier FROM costs"):
        if tier_of.get(tenant) != tier:
            sys.exit(f"results.sqlite costs put tenant {tenant} under tier {tier}, report.json under {tier_of.get(tenant)}")
    # daily_usage adds up to usage, metric by metric (the system's records and the platform ledgers).
    usage = sorted(db.execute("SELECT tenant, metric, quantity FROM usage WHERE quantity != 0"))
    usage_by_day = sorted(db.execute("SELECT tenant, metric, SUM(quantity) FROM daily_usage GROUP BY tenant, metric"))
    if usage != usage_by_day:
        diff = sorted(set(usage) ^ set(usage_by_day))[:6]
        sys.exit(f"results.sqlite daily_usage does not add up to usage: {diff}")
    by_day = {tenant: pico for tenant, pico in db.execute("SELECT tenant, SUM(pico_usd) FROM daily_costs GROUP BY tenant")}
    for t in report["tenants"]:
        want = t["cost"]["pico_usd"]
        if by_day.get(t["id"], 0) != want:
            sys.exit(f"results.sqlite daily_costs of {t['id']} add up to {by_day.get(t['id'], 0)}, its cost is {want}")
    # Every example query of reports/SCHEMA.md runs on this file.
    if schema_md:
        text = open(schema_md).read()
        sql = text[text.index("```sql") + len("```sql"):]
        sql = sql[:sql.index("```")]
        statements = [q.strip() for q in "\n".join(line for line in sql.splitlines()
                                                   if not line.strip().startswith("--")).split(";") if q.strip()]
        for q in statements:
            db.execute(q).fetchall()
        queries_run = len(statements)
    rows = sorted(db.execute("SELECT tenant, tier, agent, model, invocations, input_tokens, output_tokens, cost_pico_usd "
                             "FROM consumption"))
    if rows != sorted((c["tenant"], c["tier"], c["agent"], c["model"], c["invocations"], c["input_tokens"],
                       c["output_tokens"], c["cost"]["pico_usd"]) for c in report["consumption"]):
        sys.exit("results.sqlite consumption differs from report.json's")
    table = sorted(db.execute("SELECT metric, model, pico_usd_per_unit FROM prices"))
    if table != sorted((p["metric"], p["model"], p["per_unit"]["pico_usd"]) for p in report["prices"]) or not table:
        sys.exit("results.sqlite prices differ from report.json's")
if checked == 0:
    sys.exit("no tenants to check")
# The consumption events (seed 004), priced by hand, are each tenant's model cost: every model
# invocation emitted one with its tenant, and the model's tokens are all that bedrock_agent bills.
events = {}
for c in report["consumption"]:
    model_prices = (prices_by_model.get(("bedrock_input_tokens", c["model"]), prices.get("bedrock_input_tokens", 0)),
                    prices_by_model.get(("bedrock_output_tokens", c["model"]), prices.get("bedrock_output_tokens", 0)))
    want = c["input_tokens"] * model_prices[0] + c["output_tokens"] * model_prices[1]
    if c["cost"]["pico_usd"] != want:
        sys.exit(f"consumption {c['tenant']}/{c['agent']}/{c['model']}: cost {c['cost']['pico_usd']} pico, by hand {want}")
    events[c["tenant"]] = events.get(c["tenant"], 0) + want
for t in report["tenants"]:
    model_cost = t["cost_by_service"].get("bedrock_agent", {"pico_usd": 0})["pico_usd"]
    if events.get(t["id"], 0) != model_cost:
        sys.exit(f"tenant {t['id']}: its consumption events price to {events.get(t['id'], 0)} pico, its model cost is "
                 f"{model_cost}")
if require_all and not (lines_total[0] and lines_total[1] and fixed_total):
    sys.exit(f"seats {lines_total[0]}, overage {lines_total[1]}, silo fixed {fixed_total} pico: not every line was exercised")
print(f"economics_by_hand: {checked} tenants ({changed} tier changes), {len(report['users'])} users, {days} days, "
      f"{len(months)} months: revenue (seats {lines_total[0]} pico, overage {lines_total[1]} pico), DynamoDB, Cognito "
      f"and silo fixed cost ({fixed_total} pico) match to the pico-dollar; days, months and users add up; "
      f"{len(report['consumption'])} consumption rows price to each tenant's model cost"
      + (f"; {queries_run} example queries of SCHEMA.md run" if schema_md else ""))
