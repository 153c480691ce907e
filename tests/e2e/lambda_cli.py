#!/usr/bin/env python3
"""End-to-end checks of `nimbus serve` through the AWS CLI (`aws lambda ...`).

    python3 tests/e2e/lambda_cli.py --endpoint http://127.0.0.1:PORT --bundles DIR

DIR holds echo.zip (and the other bundles made by tests/all/serve.rs). Each
check is one function, run in order; each prints `ok NAME` or
`FAIL NAME: REASON`, and the last line is `N passed, M failed`. The exit code
is 1 when any check failed.
"""

import argparse
import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid

from checks import Fail, check, eq, run

ACCOUNT = "000000000000"
REGION = "us-east-1"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/r"




class Suite:
    def __init__(self, endpoint, bundles):
        self.endpoint = endpoint
        self.bundles = bundles
        self.aws = shutil.which("aws")
        self.env = dict(os.environ)
        self.env.update(
            AWS_ACCESS_KEY_ID="test",
            AWS_SECRET_ACCESS_KEY="test",
            AWS_DEFAULT_REGION=REGION,
            AWS_MAX_ATTEMPTS="1",
            AWS_RETRY_MODE="standard",
            AWS_PAGER="",
        )
        for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL",
                    "AWS_ENDPOINT_URL_LAMBDA"):
            self.env.pop(key, None)
        # No shared config or credentials of the machine's user.
        self.tmp = tempfile.mkdtemp(prefix="nimbus-cli-")
        self.env["AWS_CONFIG_FILE"] = os.path.join(self.tmp, "config")
        self.env["AWS_SHARED_CREDENTIALS_FILE"] = os.path.join(self.tmp, "credentials")
        self.name = "cli-" + uuid.uuid4().hex[:8]
        # `--no-cli-pager` and `--cli-binary-format` are AWS CLI v2 only: v1
        # refuses them (it has no pager, AWS_PAGER="" above covers v2 too, and
        # it reads `--payload` as raw bytes already, which is what
        # raw-in-base64-out asks of v2).
        self.pager_flag = []
        self.binary_flag = []
        if self.aws:
            version = subprocess.run([self.aws, "--version"], env=self.env, capture_output=True,
                                     text=True, timeout=60)
            if (version.stdout + version.stderr).startswith("aws-cli/2"):
                self.pager_flag = ["--no-cli-pager"]
                self.binary_flag = ["--cli-binary-format", "raw-in-base64-out"]
        self.echo_zip = os.path.join(bundles, "echo.zip")

    def aws_run(self, *args, ok=True):
        """Runs `aws ARGS`; with ok=True, fails unless it exits 0; returns the process."""
        if not self.aws:
            raise Fail("`aws` not on PATH: pip install -r tests/e2e/requirements.txt")
        cmd = [self.aws, "--endpoint-url", self.endpoint, "--cli-read-timeout", "30",
               *self.pager_flag, "--output", "json", *args]
        proc = subprocess.run(cmd, env=self.env, cwd=self.tmp, capture_output=True,
                              text=True, timeout=120)
        if ok and proc.returncode != 0:
            raise Fail(f"`aws {' '.join(args)}` exited {proc.returncode}: "
                       f"{proc.stderr.strip()[-600:]}")
        return proc

    def aws_json(self, *args):
        out = self.aws_run(*args).stdout
        try:
            return json.loads(out) if out.strip() else {}
        except ValueError:
            raise Fail(f"`aws {' '.join(args)}` printed no JSON: {out[:300]!r}") from None

    def check_create_function(self):
        with open(self.echo_zip, "rb") as f:
            zipped = f.read()
        r = self.aws_json(
            "lambda", "create-function", "--function-name", self.name,
            "--runtime", "provided.al2023", "--role", ROLE, "--handler", "function.wasm",
            "--zip-file", f"fileb://{self.echo_zip}",
        )
        eq(r.get("FunctionName"), self.name, "FunctionName")
        eq(r.get("FunctionArn"),
           f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{self.name}", "FunctionArn")
        eq(r.get("Runtime"), "provided.al2023", "Runtime")
        eq(r.get("CodeSha256"),
           base64.b64encode(hashlib.sha256(zipped).digest()).decode(), "CodeSha256")

    def check_wait_function_active_v2(self):
        self.aws_run("lambda", "wait", "function-active-v2", "--function-name", self.name)

    def check_get_function(self):
        r = self.aws_json("lambda", "get-function", "--function-name", self.name)
        eq(r.get("Configuration", {}).get("State"), "Active", "State")
        eq(r.get("Configuration", {}).get("LastUpdateStatus"), "Successful", "LastUpdateStatus")

    def check_invoke(self):
        out = os.path.join(self.tmp, "out.json")
        payload = '{"a":1}'
        r = self.aws_json(
            "lambda", "invoke", "--function-name", self.name, "--payload", payload,
            *self.binary_flag, out,
        )
        eq(r.get("StatusCode"), 200, "StatusCode")
        check("FunctionError" not in r, f"FunctionError: {r.get('FunctionError')}")
        eq(r.get("ExecutedVersion"), "$LATEST", "ExecutedVersion")
        with open(out) as f:
            eq(f.read(), payload, "out.json (echo)")

    def check_invoke_log_tail(self):
        out = os.path.join(self.tmp, "tail.json")
        r = self.aws_json(
            "lambda", "invoke", "--function-name", self.name, "--payload", '{"b":2}',
            *self.binary_flag, "--log-type", "Tail", out,
        )
        log = base64.b64decode(r.get("LogResult", "")).decode(errors="replace")
        lines = [l for l in log.splitlines() if l.strip()]
        check(lines and lines[-1].startswith("REPORT RequestId:"),
              f"last log line is not REPORT: {log[-300:]!r}")

    def check_list_functions(self):
        r = self.aws_json("lambda", "list-functions")
        names = [f.get("FunctionName") for f in r.get("Functions", [])]
        check(self.name in names, f"{self.name} not in list-functions: {names[:20]}")

    def check_invoke_missing(self):
        proc = self.aws_run("lambda", "invoke", "--function-name", self.name + "-missing",
                            os.path.join(self.tmp, "missing.json"), ok=False)
        check(proc.returncode != 0, "invoking a missing function exited 0")
        check("ResourceNotFoundException" in proc.stderr,
              f"no ResourceNotFoundException: {proc.stderr.strip()[-300:]}")

    def check_delete_function(self):
        self.aws_run("lambda", "delete-function", "--function-name", self.name)
        proc = self.aws_run("lambda", "get-function", "--function-name", self.name, ok=False)
        check(proc.returncode != 0, "get-function after delete-function exited 0")
        check("ResourceNotFoundException" in proc.stderr,
              f"no ResourceNotFoundException after delete: {proc.stderr.strip()[-300:]}")
        r = self.aws_json("lambda", "list-functions")
        names = [f.get("FunctionName") for f in r.get("Functions", [])]
        check(self.name not in names, "deleted function still in list-functions")

    ORDER = [
        "check_create_function",
        "check_wait_function_active_v2",
        "check_get_function",
        "check_invoke",
        "check_invoke_log_tail",
        "check_list_functions",
        "check_invoke_missing",
        "check_delete_function",
    ]

    def checks(self):
        return [(name[len("check_"):], getattr(self, name)) for name in Suite.ORDER]



def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", required=True, help="http://127.0.0.1:PORT")
    parser.add_argument("--bundles", required=True, help="dir with echo.zip")
    args = parser.parse_args()
    suite = Suite(args.endpoint, args.bundles)
    try:
        failed = run(suite.checks())
    finally:
        shutil.rmtree(suite.tmp, ignore_errors=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
