#!/usr/bin/env python3
"""The agent runtime and the tool gateway over real HTTP, as seed 002's frontend reaches them.

`tenantsim serve` on a free loopback port; a user signs up, signs in and opens a session; then:
- the runtime takes the session from AgentCore's header and answers with a trace;
- the runtime refuses a missing token (401), foreign sessionAttributes (403), a short id (400);
- the gateway's MCP endpoint lists the tier's tools and refuses one outside it (403).
Usage: agent_layers_over_http.py TENANTSIM
"""
import base64
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

SESSION_HEADER = "X-Amzn-Bedrock-AgentCore-Runtime-Session-Id"


def call(base, method, path, body=None, token=None, headers=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def expect(what, got, want):
    if got != want:
        sys.exit(f"{what}: got {got}, expected {want}")


def main():
    control = {"X-Tenantsim-Control-Secret": "agent-layers-test-secret"}  # the server's control secret, set below
    server = subprocess.Popen([sys.argv[1], "serve", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, env=dict(os.environ, TENANTSIM_CONTROL_SECRET=control["X-Tenantsim-Control-Secret"]))
    try:
        line = server.stdout.readline()
        if "listening on" not in line:
            sys.exit(f"serve did not start: {line} {server.stderr.read()}")
        base = line.split("listening on ")[1].split()[0].rstrip("/")
        user = {"tenant_id": "acme", "username": "ann", "password": "correct-horse-battery"}
        status, _ = call(base, "POST", "/api/register", dict(user, subscription_tier="advanced"))
        expect("register", status, 201)
        status, code = call(base, "GET", "/_fake/cognito/confirmation-code?tenant_id=acme&username=ann", headers=control)
        expect("confirmation code", status, 200)
        status, _ = call(base, "POST", "/api/register/confirm", {"tenant_id": "acme", "username": "ann", "code": code["code"]})
        expect("confirm", status, 200)
        status, tokens = call(base, "POST", "/api/auth/login", user)
        expect("login", status, 200)
        token = tokens["access_token"]
        sub = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "==="))["sub"]
        status, session = call(base, "POST", "/api/sessions", token=token)
        expect("session", status, 201)
        sid = session["session_id"]
        invoke = {"prompt": "What is the weather in Paris?", "enableTrace": True,
                  "sessionAttributes": {"tenant_id": "acme", "user_id": sub}}
        status, answer = call(base, "POST", "/runtimes/tenantsim-agent/invocations", invoke, token, {SESSION_HEADER: sid})
        expect("runtime invocation", status, 200)
        expect("runtime session", answer.get("runtime_session_id"), sid)
        expect("tools used", answer["usage_metrics"]["tools_used"], ["get_current_weather"])
        if not any(step.get("type") == "tool_call" for step in answer.get("trace", [])):
            sys.exit(f"no tool call in the trace: {answer.get('trace')}")
        status, _ = call(base, "POST", "/runtimes/tenantsim-agent/invocations", invoke, None, {SESSION_HEADER: sid})
        expect("runtime without a token", status, 401)
        foreign = dict(invoke, sessionAttributes={"tenant_id": "globex", "user_id": sub})
        status, _ = call(base, "POST", "/runtimes/tenantsim-agent/invocations", foreign, token, {SESSION_HEADER: sid})
        expect("runtime with another tenant's attributes", status, 403)
        status, _ = call(base, "POST", "/runtimes/tenantsim-agent/invocations", invoke, token, {SESSION_HEADER: "short-session-id"})
        expect("runtime with a short session id", status, 400)
        status, _ = call(base, "POST", "/runtimes/tenantsim-agent-globex/invocations", invoke, token, {SESSION_HEADER: sid})
        expect("a runtime that does not exist", status, 404)
        status, listed = call(base, "POST", "/mcp", {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, token)
        expect("tools/list", status, 200)
        expect("tools of the advanced tier", [t["name"] for t in listed["result"]["tools"]],
               ["get_current_weather", "get_weather_forecast"])
        status, _ = call(base, "POST", "/mcp", {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                                                "params": {"name": "get_weather_alerts", "arguments": {"city": "Oslo"}}}, token)
        expect("tools/call outside the tier", status, 403)
        print("agent runtime and tool gateway over HTTP: every answer as expected")
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    main()
