"""Every cost, revenue and count of a run belongs to its window [start, end) (issue 30).

pricing-month.json is April 2024: it onboards on 2024-03-31 and settles after 2024-05-01 00:00, and
before this held its reports showed 32 days and 3 months, every user billed 2 Cognito MAUs, and each
advanced tenant 2 tool and 2 weather calls on 03-31 when it made no request. Checks, from the
run's own reports: daily.csv has exactly the run's UTC days; monthly.csv only the run's months; no
tenant is billed more MAUs per month than it has users; the days add up to the tenants' costs; and
what was metered outside the window is counted apart (usage_records_outside_window > 0, since
onboarding does probe the tools).

    python3 billing_window.py OUT_DIR FIRST_DAY DAYS
"""
import csv
import datetime
import json
import os
import sys


def main():
    out, first, days = sys.argv[1], datetime.date.fromisoformat(sys.argv[2]), int(sys.argv[3])
    want_days = [(first + datetime.timedelta(d)).isoformat() for d in range(days)]
    problems = []
    daily = list(csv.DictReader(open(os.path.join(out, "daily.csv"))))
    got_days = [r["day"] for r in daily]
    if got_days != want_days:
        problems.append(f"daily.csv has {len(got_days)} days {got_days[:2]}..{got_days[-2:]}, want {days} from {first}")
    months = sorted({d[:7] for d in want_days})
    got_months = [r["month"] for r in csv.DictReader(open(os.path.join(out, "monthly.csv")))]
    if got_months != months:
        problems.append(f"monthly.csv has months {got_months}, want {months}")
    report = json.load(open(os.path.join(out, "report.json")))
    tenants = list(csv.DictReader(open(os.path.join(out, "tenants.csv"))))
    for t in tenants:
        maus, users = int(t["cognito_monthly_active_users"]), int(t["users"])
        if maus > users * len(months):
            problems.append(f"{t['tenant']}: {maus} Cognito MAUs billed for {users} users over {len(months)} month(s)")
    # The days' costs add up to the tenants' (exact pico-dollars).
    day_total = sum(int(r["metered_cost_pico_usd"]) + int(r["fixed_cost_pico_usd"]) + int(r["platform_cost_pico_usd"])
                    for r in daily)
    tenant_total = report["costs"]["total"]
    tenant_pico = tenant_total["pico_usd"] if isinstance(tenant_total, dict) else None
    if tenant_pico is not None and day_total != int(tenant_pico):
        problems.append(f"the days add up to {day_total} pico-USD, the run's cost is {tenant_pico}")
    outside = report["costs"]["ledgers"].get("usage_records_outside_window")
    if not outside:
        problems.append(f"usage_records_outside_window is {outside!r}: onboarding's probes should be counted apart")
    for p in problems:
        print("billing_window:", p)
    print(f"billing_window: {len(want_days)} days, months {months}, {len(tenants)} tenants, "
          f"{outside} usage records outside the window" + ("" if not problems else ": FAILED"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
