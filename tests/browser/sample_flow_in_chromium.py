"""The sample's page flow in a real browser (issue 28's "done when").

Starts `tenantsim fakes serve` (Cognito on its wire protocol) and `tenantsim serve --backends`
linked to it, registers a tenant's admin through the API, serves sample_flow.html with the bundle
amazon-cognito-identity-js ships (tests/peers/node_modules) from a loopback static server, and runs
the page in headless Chromium. The page signs up as a stranger naming the tenant (must be refused
with Cognito's error), without the claims (accepted), signs the admin in over SRP and calls the API
as the sample's page does. Fails on any FAIL line, a missing DONE, or a console error on the page.

    python3 sample_flow_in_chromium.py TENANTSIM_BINARY
Exit 77 (ctest: skipped) when chromium or the npm bundle is missing.
"""
import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
BUNDLE = os.path.join(HERE, "..", "peers", "node_modules", "amazon-cognito-identity-js", "dist",
                      "amazon-cognito-identity.min.js")
CHROMIUM = "/usr/bin/chromium"
SECRET = "sample-flow-control-secret"
sys.path.insert(0, os.path.join(HERE, ".."))
from server_process import start  # noqa: E402


def call(base, method, path, body=None, headers=None):
    req = urllib.request.Request(base + path, method=method, data=None if body is None else json.dumps(body).encode())
    req.add_header("Content-Type", "application/json")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read() or b"null")


def main():
    if not os.path.exists(CHROMIUM) or not os.path.exists(BUNDLE):
        print("chromium or the amazon-cognito-identity-js bundle is missing (scripts/setup installs both)")
        return 77
    binary = sys.argv[1]
    work = tempfile.mkdtemp()
    procs = []
    try:
        env = dict(os.environ, TENANTSIM_CONTROL_SECRET=SECRET, AWS_ACCESS_KEY_ID="AKIDSAMPLEFLOW00001",
                   AWS_SECRET_ACCESS_KEY="sample-flow-secret", AWS_REGION="us-east-1")
        fakes, fakes_url = start([binary, "fakes", "serve", "--port", "0", "--services", "cognito"], env)
        procs.append(fakes)
        # The page's origin: a static server on loopback with the page and the library's bundle.
        shutil.copy(os.path.join(HERE, "sample_flow.html"), work)
        shutil.copy(BUNDLE, work)
        class Quiet(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args):
                pass

        handler = functools.partial(Quiet, directory=work)
        static = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=static.serve_forever, daemon=True).start()
        origin = f"http://127.0.0.1:{static.server_address[1]}"
        backends = os.path.join(work, "backends.json")
        with open(backends, "w") as f:
            json.dump({"cognito": {"mode": "real", "endpoint": fakes_url,
                                   "pre_token_generation_lambda": "arn:aws:lambda:us-east-1:000000000000:function:claims"}}, f)
        serve, api = start([binary, "serve", "--port", "0", "--backends", backends, "--cors-origin", origin], env)
        procs.append(serve)

        control = {"X-Tenantsim-Control-Secret": SECRET}
        for tenant, tier in (("acme", "premium"), ("globex", "basic")):
            user = f"owner@{tenant}.test"
            call(api, "POST", "/api/register", {"tenant_id": tenant, "username": user, "password": "Correct-Horse-9",
                                                 "subscription_tier": tier, "admin": True, "email": user})
            code = call(api, "GET", f"/_fake/cognito/confirmation-code?tenant_id={tenant}&username={user}", headers=control)
            call(api, "POST", "/api/register/confirm", {"tenant_id": tenant, "username": user, "code": code["code"]})

        query = urllib.parse.urlencode({"api": api, "cognito": fakes_url, "tenant": "acme", "user": "owner@acme.test",
                                        "password": "Correct-Horse-9", "stranger": "eve@stranger.test", "other": "globex"})
        profile = os.path.join(work, "profile")
        r = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                            "--disable-background-networking", "--disable-component-update", "--disable-sync",
                            f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
                            "--virtual-time-budget=60000", "--dump-dom", f"{origin}/sample_flow.html?{query}"],
                           capture_output=True, text=True, timeout=120)
        dom = r.stdout
        log = re.search(r'<pre id="log">(.*?)</pre>', dom, re.S)
        lines = (log.group(1) if log else "").strip().splitlines()
        print("\n".join(lines))
        failures = [l for l in lines if l.startswith("FAIL")]
        console = [l for l in r.stderr.splitlines() if "CONSOLE" in l and "sample_flow.html" in l]
        if r.returncode != 0:
            print(f"chromium exited {r.returncode}\n{r.stderr[-2000:]}")
            return 1
        if "DONE" not in lines:
            print(f"the page did not finish\n{r.stderr[-2000:]}")
            return 1
        if failures or console:
            print("console:", *console, sep="\n")
            return 1
        passed = sum(l.startswith("PASS") for l in lines)
        print(f"sample_flow: {passed} steps passed in chromium, no console error")
        return 0 if passed >= 15 else 1
    finally:
        for p in procs:
            p.terminate()
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
