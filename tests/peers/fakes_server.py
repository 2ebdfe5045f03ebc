"""Starts and stops `tenantsim fakes serve` and the peer servers for the wire-protocol tests.

Every server listens on 127.0.0.1 only, on a port the OS picks (tenantsim) or a free port found
here (peers), and is stopped when the `with` block ends, whatever happened in it.
"""
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
NODE_BIN = os.path.join(HERE, "node_modules", ".bin")

# Credentials of the tests: two accounts, so isolation between accounts is visible.
KEYS = {
    "AKIDTENANTSIMTEST01": {"secret": "secret-one-0123456789", "account": "111111111111"},
    "AKIDTENANTSIMTEST02": {"secret": "secret-two-0123456789", "account": "222222222222"},
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, proc, what, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode} before listening")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on {port} within {timeout}s")


class FakesServe:
    """`tenantsim fakes serve` on a free port; .endpoint is its URL."""

    def __init__(self, binary, extra_args=(), keys=KEYS, verify=True, state=None):
        self.binary = binary
        self.extra_args = list(extra_args)
        self.keys = keys
        self.verify = verify
        self.state = state
        self.proc = None
        self.endpoint = None
        self._dir = tempfile.TemporaryDirectory()

    def start(self):
        keys_file = os.path.join(self._dir.name, "keys.json")
        with open(keys_file, "w") as f:
            json.dump(self.keys, f)
        args = [self.binary, "fakes", "serve", "--port", "0", "--keys", keys_file] + self.extra_args
        if self.verify:
            args.append("--verify-sigv4")
        if self.state:
            args += ["--state", self.state]
        # The control endpoints' secret (/_fake/*): chosen here, so the tests can show it.
        self.control_secret = secrets.token_hex(16)
        env = dict(os.environ, TENANTSIM_CONTROL_SECRET=self.control_secret)
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        line = self.proc.stdout.readline()
        m = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
        if not m:
            self.proc.kill()
            raise RuntimeError(f"fakes serve did not start: {line!r} {self.proc.stderr.read()!r}")
        self.endpoint = m.group(1)
        return self

    def control(self, path):
        """GET a /_fake/ control endpoint with the server's secret; the decoded JSON answer."""
        import urllib.request
        req = urllib.request.Request(f"{self.endpoint}{path}", headers={"X-Tenantsim-Control-Secret": self.control_secret})
        with urllib.request.urlopen(req) as r:
            return json.loads(r.read())

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode if self.proc else None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        self._dir.cleanup()


class Dynalite:
    """dynalite (npm) in memory, tables ACTIVE at once like our fake."""

    def __init__(self):
        self.proc = None
        self.endpoint = None

    def __enter__(self):
        exe = os.path.join(NODE_BIN, "dynalite")
        if not os.path.exists(exe):
            raise RuntimeError(f"{exe} is missing: run scripts/setup (it installs the npm peers)")
        port = free_port()
        self.proc = subprocess.Popen(
            [exe, "--host", "127.0.0.1", "--port", str(port), "--createTableMs", "0", "--deleteTableMs", "0",
             "--updateTableMs", "0"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_for_port(port, self.proc, "dynalite")
        self.endpoint = f"http://127.0.0.1:{port}"
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def client(endpoint, key_id="AKIDTENANTSIMTEST01", secret=None, service="dynamodb"):
    import boto3
    from botocore.config import Config

    secret = secret if secret is not None else KEYS.get(key_id, {}).get("secret", "unknown-secret")
    return boto3.client(
        service, endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=30))
