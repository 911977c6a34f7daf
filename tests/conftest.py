import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FUPIN_SHARED", ROOT.parent / "shared"))
DEV = SHARED / "eval" / "dev.jsonl"
SEEDS = SHARED / "seeds"


@pytest.fixture(scope="session")
def dev_path():
    if not DEV.exists():
        pytest.skip(f"{DEV} is absent (../shared is not beside the checkout)")
    return DEV


@pytest.fixture(scope="session")
def seeds_path():
    if not SEEDS.exists():
        pytest.skip(f"{SEEDS} is absent (../shared is not beside the checkout)")
    return SEEDS


@pytest.fixture(scope="session")
def rules_nlp():
    from fupin.tagger import build_rules_pipeline

    return build_rules_pipeline()


# --- Label Studio (issue 4): a real server for tests/test_labelstudio_*.py -----------------------
LS_BIN = ROOT / ".venv-ls" / "bin" / "label-studio"
LS_TEMPLATE = ROOT / ".venv-ls" / "fupin-template-db"  # a migrated database, made once, copied per session
LS_ENV = {"COLLECT_ANALYTICS": "false", "LATEST_VERSION_CHECK": "false", "SENTRY_DSN": "",
          "FRONTEND_SENTRY_DSN": ""}


@pytest.fixture(scope="session")
def label_studio(tmp_path_factory):
    """A real Label Studio (.venv-ls) on 127.0.0.1, free port, temporary data dir, telemetry off.

    Yields a dict with url, token, email, password; stops the server by its own process id.
    """
    import secrets
    import shutil
    import signal
    import socket
    import subprocess
    import time
    import urllib.request

    if not LS_BIN.exists():
        pytest.skip(f"{LS_BIN} is absent (scripts/setup.sh builds .venv-ls with label-studio 1.23)")
    env = {**os.environ, **LS_ENV}
    if not (LS_TEMPLATE / "label_studio.sqlite3").exists():
        subprocess.run([str(LS_BIN), "version", "--data-dir", str(LS_TEMPLATE)], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600)
    data = tmp_path_factory.mktemp("ls-data")
    shutil.copy(LS_TEMPLATE / "label_studio.sqlite3", data / "label_studio.sqlite3")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    info = {"url": f"http://127.0.0.1:{port}", "token": secrets.token_hex(20),
            "email": "fupin-admin@example.com", "password": secrets.token_urlsafe(12)}
    env.update(LABEL_STUDIO_USERNAME=info["email"], LABEL_STUDIO_PASSWORD=info["password"],
               LABEL_STUDIO_USER_TOKEN=info["token"])
    log = open(data / "server.log", "w")
    proc = subprocess.Popen([str(LS_BIN), "start", "--no-browser", "--internal-host", "127.0.0.1",
                             "--host", info["url"], "--port", str(port), "--data-dir", str(data),
                             "--enable-legacy-api-token"], env=env, stdout=log, stderr=subprocess.STDOUT,
                            cwd=data, start_new_session=True)
    try:
        deadline = time.time() + 300
        while True:
            if proc.poll() is not None:
                pytest.fail(f"label-studio exited with {proc.returncode}; see {data / 'server.log'}")
            try:
                with urllib.request.urlopen(info["url"] + "/health", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.time() > deadline:
                pytest.fail(f"label-studio did not answer /health in 300 s; see {data / 'server.log'}")
            time.sleep(1)
        yield info
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # its own process group, started above
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()
