"""A bounded stream of malformed requests at both servers, on loopback (issue 28).

Starts `tenantsim serve` and `tenantsim fakes serve`, then sends each of them COUNT requests made
from a seeded generator: valid requests of their APIs with bytes flipped, cut short, repeated or
replaced (invalid UTF-8 in the path, query, headers and body; raw control bytes; JSON nested far too
deep; duplicated headers; absurd lengths). Each goes on its own connection with a short timeout;
whatever the answer (or none), after every 50 the server must still answer GET /health 200, and at
the end both must still be running and stop cleanly on SIGTERM. Prints what was sent and the
statuses seen.

    python3 hostile_stream.py TENANTSIM_BINARY [COUNT] [SEED]
"""
import collections
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time

SECRET = "hostile-stream-secret"
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import server_process  # noqa: E402


def start(args):
    proc, url = server_process.start(args, dict(os.environ, TENANTSIM_CONTROL_SECRET=SECRET))
    return proc, int(url.rsplit(":", 1)[1])


def send(port, data, timeout=2.0):
    """Sends raw bytes; the status line's code, or None (closed, reset, timed out)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
            reply = b""
            while len(reply) < 64:
                chunk = s.recv(4096)
                if not chunk:
                    break
                reply += chunk
        m = re.match(rb"HTTP/1\.[01] (\d{3})", reply)
        return int(m.group(1)) if m else None
    except OSError:
        return None


def health(port):
    return send(port, b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", timeout=10.0)


def request(method, target, headers, body=b""):
    head = f"{method} ".encode() + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    for k, v in headers:
        head += k + b": " + v + b"\r\n"
    if body:
        head += b"Content-Length: " + str(len(body)).encode() + b"\r\n"
    return head + b"\r\n" + body


BAD_BYTES = [b"\x98", b"\xff\xfe", b"\xc0\xaf", b"\xed\xa0\x80", b"\x00", b"\x1b[31m", b"%98", b"%FF%FE", b"%C0%AF", b"%00"]


def deep(levels, open_=b"[", close=b"]"):
    return open_ * levels + close * levels


def api_templates():
    token = b"Bearer eyJhbGciOiJSUzI1NiIsImtpZCI6IngifQ.eyJzdWIiOiJ4In0.c2ln"
    chat = json.dumps({"message": "hi", "tenant_context": {"tenant_id": "acme", "session_id": "s"}}).encode()
    mcp = b'{"jsonrpc": "2.0", "id": 1, "method": "tools/list"}'
    reg = json.dumps({"tenant_id": "acme", "username": "u", "password": "password-123", "subscription_tier": "basic"}).encode()
    return [
        ("GET", b"/api/tenants/acme/costs?days=7", [(b"Authorization", token)], b""),
        ("GET", b"/api/tenants/acme/usage", [(b"Authorization", token)], b""),
        ("POST", b"/api/chat", [(b"Authorization", token), (b"Content-Type", b"application/json")], chat),
        ("POST", b"/mcp", [(b"Authorization", token), (b"Content-Type", b"application/json")], mcp),
        ("POST", b"/api/register", [(b"Content-Type", b"application/json")], reg),
        ("OPTIONS", b"/api/chat", [(b"Origin", b"http://a.example"), (b"Access-Control-Request-Method", b"POST")], b""),
        ("GET", b"/_fake/cognito/confirmation-code?tenant_id=acme&username=u", [], b""),
        ("GET", b"/.well-known/jwks.json", [], b""),
    ]


def fakes_templates():
    put = json.dumps({"TableName": "t", "Item": {"pk": {"S": "a"}, "m": {"M": {"l": {"L": [{"N": "1"}]}}}}}).encode()
    sign_up = json.dumps({"ClientId": "c", "Username": "u", "Password": "Password-1",
                          "UserAttributes": [{"Name": "custom:tenant_id", "Value": "x"}]}).encode()
    auth = b"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE0000000/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00"
    return [
        ("POST", b"/", [(b"X-Amz-Target", b"DynamoDB_20120810.PutItem"), (b"Authorization", auth),
                        (b"Content-Type", b"application/x-amz-json-1.0")], put),
        ("POST", b"/", [(b"X-Amz-Target", b"AWSCognitoIdentityProviderService.SignUp"),
                        (b"Content-Type", b"application/x-amz-json-1.1")], sign_up),
        ("GET", b"/us-east-1_abc/.well-known/jwks.json", [], b""),
        ("POST", b"/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse", [(b"Authorization", auth)], b'{"messages": []}'),
        ("GET", b"/data/2.5/weather?q=Oslo&appid=k", [], b""),
        ("POST", b"/_fake/cognito/sign", [(b"Content-Type", b"application/json")], b'{"pool_id": "p", "claims": {}}'),
    ]


def mutate(rng, template):
    method, target, headers, body = template
    headers = list(headers)
    kind = rng.randrange(12)
    if kind == 0:  # a bad byte in the path
        at = rng.randrange(1, len(target) + 1)
        target = target[:at] + rng.choice(BAD_BYTES) + target[at:]
    elif kind == 1:  # a bad byte in the query
        target += (b"&" if b"?" in target else b"?") + b"days=" + rng.choice(BAD_BYTES)
    elif kind == 2:  # a bad byte in a header value
        name = rng.choice([b"Content-Type", b"Origin", b"X-Amz-Target", b"Authorization", b"X-Tenantsim-Clock-Ms"])
        headers.append((name, b"x" + rng.choice(BAD_BYTES) + b"y"))
    elif kind == 3:  # the body nested far too deep
        levels = rng.choice([33, 101, 1000, 100000])
        body = b'{"a": ' + deep(levels, *rng.choice([(b"[", b"]"), (b'{"k":', b"}")])) + b"}"
    elif kind == 4:  # bytes flipped in the body
        body = bytearray(body or b"{}")
        for _ in range(rng.randrange(1, 8)):
            body[rng.randrange(len(body))] = rng.randrange(256)
        body = bytes(body)
    elif kind == 5:  # invalid UTF-8 inside JSON strings
        body = (body or b"{}").replace(b'"', b'"' + rng.choice(BAD_BYTES), 1)
    elif kind == 6:  # duplicated credentials
        headers += [(b"Authorization", b"Bearer a"), (b"Authorization", b"Bearer b")]
    elif kind == 7:  # a member of the wrong type
        body = (body or b"{}").replace(b'"', b"", rng.randrange(1, 4))
    elif kind == 8:  # an absurd Content-Length, or one that lies
        headers.append((b"Content-Length", rng.choice([b"-1", b"99999999999999999999", b"abc", b"5"])))
    elif kind == 9:  # a huge header
        headers.append((b"X-Big", b"a" * rng.choice([9000, 70000])))
    elif kind == 10:  # an expression nested and repeated to the service's limits
        body = json.dumps({"TableName": "t", "Key": {"pk": {"S": "a"}},
                           "ConditionExpression": "(" * 3000 + "a = :v" + ")" * 3000,
                           "ExpressionAttributeValues": {":v": {"N": "1"}}}).encode()
    else:  # random bytes after a valid start
        body = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200)))
    data = request(method, target, headers, body)
    if rng.random() < 0.1:
        data = data[: rng.randrange(1, len(data))]  # cut short
    return data


def main():
    binary = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 600
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 28
    rng = random.Random(seed)
    serve, serve_port = start([binary, "serve", "--port", "0", "--read-timeout-ms", "500"])
    fakes, fakes_port = start([binary, "fakes", "serve", "--port", "0"])
    ok = True
    try:
        for name, port, proc, templates in (("serve", serve_port, serve, api_templates()),
                                            ("fakes serve", fakes_port, fakes, fakes_templates())):
            statuses = collections.Counter()
            for i in range(count):
                statuses[send(port, mutate(rng, rng.choice(templates)))] += 1
                if i % 50 == 49 or i == count - 1:
                    if proc.poll() is not None:
                        print(f"{name}: exited with {proc.returncode} after request {i + 1}")
                        ok = False
                        break
                    if health(port) != 200:
                        print(f"{name}: /health did not answer 200 after request {i + 1}")
                        ok = False
                        break
            five = sum(n for s, n in statuses.items() if s is not None and s >= 500)
            print(f"{name}: {count} malformed requests, statuses {dict(sorted(statuses.items(), key=str))}")
            if five:
                print(f"{name}: {five} answers were 5xx: every one of these inputs is the client's fault")
                ok = False
    finally:
        for name, proc in (("serve", serve), ("fakes serve", fakes)):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    code = proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    code = "killed"
                if code != 0:
                    print(f"{name}: stopped with {code}")
                    ok = False
            else:
                ok = False
    print("hostile_stream: both servers answered /health throughout" if ok else "hostile_stream: FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
