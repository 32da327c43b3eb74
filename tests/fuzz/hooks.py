"""Schemathesis hooks: every generated request carries a valid admin token.

The fuzzer itself signs out, revokes sessions, changes passwords and deactivates
users it finds, its own admin included. So the token is fetched again whenever
the server answers 401 (schemathesis then replays the request), and when the
admin can no longer sign in, run.sh's FUZZ_RESTORE_SQL puts it back.
"""

import os
import subprocess

import requests
import schemathesis

BASE_URL = os.environ["BASE_URL"]
CREDENTIALS = {"username": os.environ["FUZZ_USER"], "password": os.environ["FUZZ_PASSWORD"]}
LOG = os.environ.get("FUZZ_AUTH_LOG", os.devnull)


def sign_in():
    return requests.post(f"{BASE_URL}/api/v1/auth/login", json=CREDENTIALS, timeout=30)


@schemathesis.auth(refresh_interval=600, retry_on=[401])
class AdminToken:
    def get(self, case, context):
        answer = sign_in()
        if answer.status_code != 200:
            with open(LOG, "a") as log:
                log.write(f"restoring the fuzz admin after {answer.status_code} {answer.text}\n")
            subprocess.run(
                ["psql", os.environ["DATABASE_URL"], "-qc", os.environ["FUZZ_RESTORE_SQL"]],
                check=True,
                capture_output=True,
            )
            answer = sign_in()
        if answer.status_code != 200:
            raise RuntimeError(f"the fuzz admin cannot sign in: {answer.status_code} {answer.text}")
        return answer.json()["access_token"]

    def set(self, case, data, context):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"
