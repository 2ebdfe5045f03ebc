#!/usr/bin/env python3
"""A stand-in for seed 000's public backend (aws-samples/sample-multi-tenant-agent-core-app): its
routes, request and answer shapes and status codes as its API is documented (every success 200,
errors {"detail": text}, FastAPI's 403 "Not authenticated" with no token, 422 for a body it cannot
read), written here from that description with none of its code, so that `tenantsim load --profile
seed-000` is proven against another API shape in CI, where the sample itself cannot run.

It trusts a Cognito user pool on a `tenantsim fakes serve` (--cognito), which it first sets up as the
sample's infrastructure would: a pool with the custom attributes tenant_id and subscription_tier and a
public app client. It knows no model: a chat answers a fixed text. Usage is counted per tenant and
tier, as the sample counts it.

The sample's defects are switches (--defects), each off unless named, so that a test shows the judge
finding each one on its own:
  signature-not-verified  tokens are decoded, never verified (signature, alg, expiry, audience)
  claims-not-checked      the signature is verified, the expiry, audience and token use are not
  any-pool-trusted        the key is looked up in the JWKS of whatever pool the token's issuer names
  cost-report-open        GET /api/admin/cost-report answers every tenant's costs to anyone
  add-to-group-open       POST /api/admin/add-to-group needs no token and adds anyone to any group
  sign-up-open            the app client lets a sign-up write custom:tenant_id and subscription_tier
  errors-answered-200     a chat whose model call failed is answered 200 "Agent Error: ..." (the stand-in
                          has no model: with this switch every fifth chat fails so)
With none, tokens are verified against the pool's JWKS (RS256, expiry, audience, token_use), the
cost report is refused to tenant users and add-to-group needs the tenant's admin.

  seed000_standin.py --cognito URL [--defects a,b] [--port 0]
prints "listening on http://127.0.0.1:PORT pool=POOL_ID client=CLIENT_ID" when ready.
"""
import argparse
import base64
import datetime
import hashlib
import json
import re
import sys
import threading
import time
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
from botocore.config import Config

DEFECTS = {"signature-not-verified", "claims-not-checked", "any-pool-trusted", "cost-report-open", "add-to-group-open",
           "sign-up-open", "errors-answered-200"}
LIMITS = {  # the sample's tier table: daily, monthly messages, session minutes, concurrent sessions
    "basic": {"daily_messages": 50, "monthly_messages": 1000, "max_session_duration": 30, "concurrent_sessions": 1,
              "mcp_server_access": False},
    "advanced": {"daily_messages": 200, "monthly_messages": 5000, "max_session_duration": 120,
                 "concurrent_sessions": 3, "mcp_server_access": True},
    "premium": {"daily_messages": 1000, "monthly_messages": 25000, "max_session_duration": 480,
                "concurrent_sessions": 10, "mcp_server_access": True},
}
# PKCS#1 v1.5's DigestInfo prefix for SHA-256 (RFC 8017, section 9.2, note 1).
SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")


class Refused(Exception):
    def __init__(self, status, detail):
        super().__init__(detail)
        self.status, self.detail = status, detail


def b64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url_int(text):
    return int.from_bytes(b64url(text), "big")


class Tokens:
    """What a Bearer token says, as the configured defects allow."""

    def __init__(self, cognito, pool_id, client_id, verify, check_claims, any_pool):
        self.cognito, self.pool_id, self.client_id = cognito, pool_id, client_id
        self.verify, self.check_claims, self.any_pool = verify, check_claims, any_pool
        self.keys, self.lock = {}, threading.Lock()  # (pool, kid) -> (n, e)

    def key(self, pool, kid):
        with self.lock:
            if (pool, kid) not in self.keys:  # a new key: read the pool's JWKS again
                with urllib.request.urlopen(f"{self.cognito}/{pool}/.well-known/jwks.json", timeout=5) as r:
                    for k in json.load(r)["keys"]:
                        self.keys[(pool, k["kid"])] = (b64url_int(k["n"]), b64url_int(k["e"]))
            return self.keys.get((pool, kid))

    def rs256_valid(self, header, payload, signing_input, signature):
        # The pool the key is looked up in: ours, or (any-pool-trusted) whichever the issuer names.
        pool = str(payload.get("iss", "")).rsplit("/", 1)[-1] if self.any_pool else self.pool_id
        try:
            key = self.key(pool, header.get("kid"))
        except Exception:
            return False
        if header.get("alg") != "RS256" or key is None:
            return False
        n, e = key
        size = (n.bit_length() + 7) // 8
        s = int.from_bytes(signature, "big")
        if s >= n:
            return False
        em = pow(s, e, n).to_bytes(size, "big")
        digest = SHA256_DIGEST_INFO + hashlib.sha256(signing_input).digest()
        return em == b"\x00\x01" + b"\xff" * (size - 3 - len(digest)) + b"\x00" + digest

    def claims(self, authorization):
        if not authorization.startswith("Bearer ") or not authorization[7:].strip():
            raise Refused(403, "Not authenticated")  # FastAPI's HTTPBearer
        parts = authorization[7:].strip().split(".")
        if len(parts) != 3:
            raise Refused(401, "Authentication failed: ")
        try:
            header, payload = json.loads(b64url(parts[0])), json.loads(b64url(parts[1]))
            signature = b64url(parts[2])
        except Exception:
            raise Refused(401, "Invalid token payload")
        if not isinstance(payload, dict) or not isinstance(header, dict):
            raise Refused(401, "Invalid token payload")
        if self.verify:
            ok = self.rs256_valid(header, payload, f"{parts[0]}.{parts[1]}".encode(), signature)
            if self.check_claims:
                ok = ok and payload.get("exp", 0) > time.time() and payload.get("token_use") == "id"
                ok = ok and (self.any_pool or (payload.get("aud") == self.client_id and
                                               str(payload.get("iss", "")).endswith("/" + self.pool_id)))
            if not ok:
                raise Refused(401, "Invalid token")
        tenant, tier = payload.get("custom:tenant_id"), payload.get("custom:subscription_tier", "basic")
        if not tenant or tier not in LIMITS:
            raise Refused(401, "Authentication failed: ")
        groups = payload.get("cognito:groups", [])
        return {"user_id": payload.get("sub"), "tenant_id": tenant, "tier": tier,
                "email": payload.get("email"), "groups": groups if isinstance(groups, list) else []}


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.sessions = {}   # (tenant, user, session id) -> created
        self.counters = {}   # (tenant, tier) -> {"day", "daily", "month", "monthly"}
        self.metrics = {}    # tenant -> [(time, user)]
        self.chats = 0       # chats answered

    def counter(self, tenant, tier):
        now = datetime.datetime.utcnow()
        c = self.counters.setdefault((tenant, tier), {"day": now.date(), "daily": 0, "month": now.month, "monthly": 0})
        if c["day"] != now.date():
            c.update(day=now.date(), daily=0)
        if c["month"] != now.month:
            c.update(month=now.month, monthly=0)
        return c


def tenant_costs(state, tenant):
    invocations = len(state.metrics.get(tenant, []))
    cost = round(invocations * 0.001, 6)
    now = datetime.datetime.utcnow()
    return {"tenant_id": tenant, "period": {"start": (now - datetime.timedelta(days=30)).isoformat(), "end": now.isoformat()},
            "total_cost": cost, "cost_breakdown": {"bedrock_costs": cost, "weather_api_costs": 0.0, "agent_runtime_costs": 0.0,
                                                   "total_invocations": invocations, "total_tokens": {"input": 0, "output": 0}},
            "users": {}}


def make_handler(tokens, state, defects, idp, pool_id):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def answer(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def body(self):
            raw = self.raw_body
            try:
                doc = json.loads(raw) if raw else None
            except ValueError:
                raise Refused(422, [{"type": "json_invalid", "loc": ["body"], "msg": "JSON decode error"}])
            return doc

        def user(self):
            return tokens.claims(self.headers.get("Authorization", ""))

        def own_tenant(self, tenant):
            u = self.user()
            if u["tenant_id"] != tenant:
                raise Refused(403, "Access denied")
            return u

        def tenant_admin(self, tenant):
            u = self.user()
            if u["tenant_id"] != tenant or f"{tenant}-admins" not in u["groups"]:
                raise Refused(403, f"Admin access required for tenant {tenant}")
            return u

        def do_GET(self):
            self.dispatch("GET")

        def do_POST(self):
            self.dispatch("POST")

        def dispatch(self, method):
            # The whole body is read first, whatever the answer: a refusal that left it unread would
            # have the next request on this keep-alive connection start inside it.
            length = int(self.headers.get("Content-Length") or 0)
            self.raw_body = self.rfile.read(length) if length else b""
            path = self.path.split("?", 1)[0]
            try:
                for route_method, pattern, handle in ROUTES:
                    m = re.fullmatch(pattern, path)
                    if m:
                        if route_method != method:
                            continue
                        return self.answer(200, handle(self, *m.groups()))
                known = any(re.fullmatch(p, path) for _, p, _ in ROUTES)
                raise Refused(405 if known else 404, "Method Not Allowed" if known else "Not Found")
            except Refused as r:
                self.answer(r.status, {"detail": r.detail})

        # --- routes ---------------------------------------------------------------------------
        def sessions(self):
            u = self.user()
            sid = str(uuid.uuid4())
            with state.lock:
                state.sessions[(u["tenant_id"], u["user_id"], sid)] = time.time()
            return {"tenant_id": u["tenant_id"], "user_id": u["user_id"], "session_id": sid,
                    "subscription_tier": u["tier"], "created_at": datetime.datetime.utcnow().isoformat()}

        def chat(self):
            u = self.user()
            doc = self.body()
            ctx = doc.get("tenant_context") if isinstance(doc, dict) else None
            if not isinstance(doc.get("message") if isinstance(doc, dict) else None, str) or not isinstance(ctx, dict) or \
                    not all(isinstance(ctx.get(k), str) for k in ("tenant_id", "user_id", "session_id")):
                raise Refused(422, [{"type": "missing", "loc": ["body"], "msg": "Field required"}])
            if ctx["tenant_id"] != u["tenant_id"]:
                raise Refused(403, "Tenant mismatch")
            if ctx["user_id"] != u["user_id"]:
                raise Refused(403, "User mismatch")
            limits = LIMITS[u["tier"]]
            with state.lock:
                c = state.counter(u["tenant_id"], u["tier"])
                if c["daily"] >= limits["daily_messages"]:
                    raise Refused(429, "Daily message limit exceeded")
                if c["monthly"] >= limits["monthly_messages"]:
                    raise Refused(429, "Monthly message limit exceeded")
                if (u["tenant_id"], u["user_id"], ctx["session_id"]) not in state.sessions:
                    raise Refused(404, "Session not found")
                c["daily"] += 1
                c["monthly"] += 1
                state.metrics.setdefault(u["tenant_id"], []).append((time.time(), u["user_id"]))
                state.chats += 1
                failed = "errors-answered-200" in defects and state.chats % 5 == 0
            if failed:  # usage counted all the same, as the sample counts it
                return {"response": "Agent Error: An error occurred (ThrottlingException) when calling the InvokeAgent "
                                    "operation: Rate exceeded", "session_id": f"{u['tenant_id']}-{u['user_id']}-{ctx['session_id']}",
                        "tenant_id": u["tenant_id"], "usage_metrics": {"error": True}}
            return {"response": "Noted. Here is a short plan for the week.",
                    "session_id": f"{u['tenant_id']}-{u['user_id']}-{ctx['session_id']}",
                    "tenant_id": u["tenant_id"], "usage_metrics": {"agentic_processing": True}}

        def usage(self, tenant):
            self.own_tenant(tenant)
            with state.lock:
                metrics = state.metrics.get(tenant, [])
                sessions = sum(1 for k in state.sessions if k[0] == tenant)
                return {"tenant_id": tenant, "total_messages": min(len(metrics), 50), "sessions": sessions,
                        "metrics": [{"tenant_id": tenant, "timestamp": datetime.datetime.utcfromtimestamp(t).isoformat(),
                                     "metric_type": "agent_invocation", "value": 1.0} for t, _ in metrics[-10:]]}

        def subscription(self, tenant):
            u = self.own_tenant(tenant)
            limits = LIMITS[u["tier"]]
            with state.lock:
                c = dict(state.counter(tenant, u["tier"]))
            return {"tenant_id": tenant, "subscription_tier": u["tier"], "limits": limits,
                    "current_usage": {"tenant_id": tenant, "subscription_tier": u["tier"], "daily_usage": c["daily"],
                                      "monthly_usage": c["monthly"], "active_sessions": 0,
                                      "last_reset_date": str(c["day"])},
                    "limit_status": {"daily_limit_exceeded": c["daily"] >= limits["daily_messages"],
                                     "monthly_limit_exceeded": c["monthly"] >= limits["monthly_messages"],
                                     "concurrent_sessions_exceeded": False, "can_use_mcp": limits["mcp_server_access"]}}

        def costs(self, tenant):
            self.own_tenant(tenant)
            with state.lock:
                return tenant_costs(state, tenant)

        def overall_cost(self, tenant):
            self.tenant_admin(tenant)
            with state.lock:
                c = tenant_costs(state, tenant)
            return {"tenant_id": tenant, "period": c["period"], "total_cost": c["total_cost"],
                    "service_breakdown": {"bedrock_agent": c["total_cost"]},
                    "cost_per_service_percentage": {"bedrock_agent": 100.0 if c["total_cost"] else 0.0}}

        def comprehensive_report(self, tenant):
            self.tenant_admin(tenant)
            with state.lock:
                c = tenant_costs(state, tenant)
            return {"report_type": "comprehensive_admin_cost_report", "tenant_id": tenant,
                    "summary": {"total_tenant_cost": c["total_cost"]}, "1_overall_tenant_cost": c}

        def cost_report(self):
            if "cost-report-open" not in defects:
                self.user()
                # A platform-wide report: no tenant's user or admin may read it.
                raise Refused(403, "Platform operators only")
            with state.lock:
                tenants = [tenant_costs(state, t) for t in sorted(state.metrics)]
            return {"report_type": "multi_tenant", "tenant_count": len(tenants),
                    "total_platform_cost": round(sum(t["total_cost"] for t in tenants), 6), "tenants": tenants}

        def add_to_group(self):
            if "add-to-group-open" not in defects:
                caller = self.user()
            doc = self.body()
            email = doc.get("email") if isinstance(doc, dict) else None
            tenant = doc.get("tenant_id") if isinstance(doc, dict) else None
            if not email or not tenant:
                raise Refused(400, "Email and tenant_id required")
            if "add-to-group-open" not in defects and (caller["tenant_id"] != tenant or
                                                        f"{tenant}-admins" not in caller["groups"]):
                raise Refused(403, f"Admin access required for tenant {tenant}")
            group = f"{tenant}-admins"
            try:
                idp.create_group(UserPoolId=pool_id, GroupName=group)
            except idp.exceptions.GroupExistsException:
                pass
            try:
                idp.admin_add_user_to_group(UserPoolId=pool_id, Username=email, GroupName=group)
            except Exception as e:
                raise Refused(500, f"Failed to add user to admin group: {e}")
            return {"success": True, "message": f"Added {email} to {group} group"}

    t = r"[^/]+"
    ROUTES = [
        ("POST", r"/api/sessions", Handler.sessions),
        ("POST", r"/api/chat", Handler.chat),
        ("GET", rf"/api/tenants/({t})/usage", Handler.usage),
        ("GET", rf"/api/tenants/({t})/subscription", Handler.subscription),
        ("GET", rf"/api/tenants/({t})/costs", Handler.costs),
        ("GET", rf"/api/admin/tenants/({t})/overall-cost", Handler.overall_cost),
        ("GET", rf"/api/admin/tenants/({t})/comprehensive-report", Handler.comprehensive_report),
        ("GET", r"/api/admin/cost-report", Handler.cost_report),
        ("POST", r"/api/admin/add-to-group", Handler.add_to_group),
    ]
    return Handler


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cognito", required=True, help="the fakes serve whose Cognito the stand-in trusts")
    ap.add_argument("--defects", default="", help="comma-separated: " + ", ".join(sorted(DEFECTS)))
    ap.add_argument("--port", type=int, default=0)
    a = ap.parse_args()
    defects = {d for d in a.defects.split(",") if d}
    unknown = defects - DEFECTS
    if unknown:
        ap.error(f"unknown defect(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(DEFECTS))}")
    idp = boto3.client("cognito-idp", endpoint_url=a.cognito, region_name="us-east-1", aws_access_key_id="standin",
                       aws_secret_access_key="standin", config=Config(retries={"max_attempts": 8, "mode": "standard"}))
    pool = idp.create_user_pool(PoolName="seed-000-standin", Schema=[
        {"Name": "tenant_id", "AttributeDataType": "String", "Mutable": True},
        {"Name": "subscription_tier", "AttributeDataType": "String", "Mutable": True}])["UserPool"]["Id"]
    client_args = {"UserPoolId": pool, "ClientName": "web", "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH",
                                                                                 "ALLOW_USER_SRP_AUTH",
                                                                                 "ALLOW_REFRESH_TOKEN_AUTH"]}
    if "sign-up-open" not in defects:
        client_args["WriteAttributes"] = ["email", "given_name", "family_name"]
    client = idp.create_user_pool_client(**client_args)["UserPoolClient"]["ClientId"]
    tokens = Tokens(a.cognito, pool, client, verify="signature-not-verified" not in defects,
                    check_claims="claims-not-checked" not in defects, any_pool="any-pool-trusted" in defects)
    server = ThreadingHTTPServer(("127.0.0.1", a.port), make_handler(tokens, State(), defects, idp, pool))
    server.daemon_threads = True
    print(f"listening on http://127.0.0.1:{server.server_address[1]} pool={pool} client={client}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
