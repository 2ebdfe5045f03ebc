"""Starts a tenantsim server (`serve` or `fakes serve`) for a test and waits for its banner."""
import re
import subprocess
import tempfile


def start(args, env):
    """Runs ARGS with ENV; returns (process, "http://127.0.0.1:PORT") once it says it is listening.
    Its stderr goes to a file (a pipe nobody reads could fill and stall the server)."""
    err = tempfile.TemporaryFile(mode="w+")
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=err, text=True, env=env)
    line = proc.stdout.readline()
    m = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
    if not m:
        proc.kill()
        proc.wait()
        err.seek(0)
        raise SystemExit(f"{' '.join(args[1:3])} did not start: {line!r} {err.read()!r}")
    return proc, m.group(1)
