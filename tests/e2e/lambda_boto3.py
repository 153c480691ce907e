#!/usr/bin/env python3
"""End-to-end checks of `nimbus serve` through boto3's real `lambda` client.

    python3 tests/e2e/lambda_boto3.py --endpoint http://127.0.0.1:PORT --bundles DIR

DIR holds echo.zip, loop.zip, exit_error.zip and print_env.zip (made by
`nimbus bundle`; tests/all/serve.rs makes them). Every check is one function,
run in order; each prints `ok NAME` or `FAIL NAME: REASON`, and the last line
is `N passed, M failed`. The exit code is 1 when any check failed.

What is expected is what botocore's model (lambda/2015-03-31/service-2.json)
and AWS Lambda's documentation say, plus the Nimbus contract (account
000000000000, region us-east-1, runtimes wasi/provided.al2023/provided.al2).
"""

import argparse
import base64
import hashlib
import json
import re
import sys
import time
import uuid

import boto3
import botocore.config
from botocore.exceptions import ClientError

from checks import Fail, check, eq, run

ACCOUNT = "000000000000"
REGION = "us-east-1"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/lambda-role"
TIMED_OUT = "Task timed out after 1.00 seconds"
UNZIP = "Could not unzip uploaded file. Please check your file, then try to upload again."
LAST_MODIFIED = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$")
REPORT = re.compile(
    r"^REPORT RequestId: (?P<id>\S+)\s+Duration: [0-9.]+ ms\s+Billed Duration: \d+ ms\s+"
    r"Memory Size: (?P<mem>\d+) MB\s+Max Memory Used: \d+ MB"
)
STATUS = {
    "ResourceNotFoundException": 404,
    "ResourceConflictException": 409,
    "InvalidParameterValueException": 400,
    "ValidationException": 400,
    "RequestTooLargeException": 413,
    "TooManyRequestsException": 429,
    "PreconditionFailedException": 412,
}




def arn(name, qualifier=None):
    base = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
    return f"{base}:{qualifier}" if qualifier else base


def sha256_b64(data):
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def status_of(response):
    return response.get("ResponseMetadata", {}).get("HTTPStatusCode")


def headers_of(response):
    return response.get("ResponseMetadata", {}).get("HTTPHeaders", {})


def short(value, limit=400):
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


class Suite:
    def __init__(self, endpoint, bundles):
        common = dict(
            endpoint_url=endpoint,
            region_name=REGION,
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )
        config = botocore.config.Config(
            retries={"max_attempts": 1}, read_timeout=30, connect_timeout=10
        )
        self.client = boto3.client("lambda", config=config, **common)
        # Without client-side validation, to see the server's own answers.
        self.raw = boto3.client(
            "lambda",
            config=config.merge(botocore.config.Config(parameter_validation=False)),
            **common,
        )
        self.zips = {}
        for guest in ("echo", "loop", "exit_error", "print_env"):
            with open(f"{bundles}/{guest}.zip", "rb") as f:
                self.zips[guest] = f.read()
        self.prefix = "e2e-" + uuid.uuid4().hex[:8]
        self.name = self.prefix + "-main"
        self.created = set()
        self.state = {}

    # -- helpers -----------------------------------------------------------

    def create(self, name, guest="echo", client=None, **kwargs):
        params = dict(
            FunctionName=name,
            Runtime="provided.al2023",
            Role=ROLE,
            Handler="function.wasm",
            Code={"ZipFile": self.zips[guest]},
        )
        params.update(kwargs)
        response = (client or self.client).create_function(**params)
        self.created.add(name)
        return response

    def expect_error(self, code, fn, *args, **kwargs):
        try:
            response = fn(*args, **kwargs)
        except ClientError as e:
            error = e.response.get("Error", {})
            got = error.get("Code")
            status = status_of(e.response)
            if got != code or status != STATUS[code]:
                raise Fail(
                    f"expected {code} (HTTP {STATUS[code]}), got {got} (HTTP {status}): "
                    f"{short(error)}"
                )
            header = headers_of(e.response).get("x-amzn-errortype", "")
            eq(header.split(":")[0], code, "x-amzn-ErrorType header")
            if code != "ValidationException":
                eq(e.response.get("Type"), "User", f"{code} body Type")
            return e
        except Exception as e:  # a connection reset instead of an answer
            raise Fail(f"expected {code}, got {type(e).__name__}: {e}") from None
        raise Fail(f"expected {code}, the call succeeded: {short(response)}")

    def invoke(self, name, payload=b"{}", **kwargs):
        response = self.client.invoke(FunctionName=name, Payload=payload, **kwargs)
        response["Body"] = response["Payload"].read() if "Payload" in response else b""
        return response

    def env_of(self, body):
        """print_env's output, `K=V` lines, as a dict."""
        return dict(
            line.split("=", 1) for line in body.decode(errors="replace").splitlines() if "=" in line
        )

    def executed_version(self, response):
        return response.get("ExecutedVersion") or headers_of(response).get(
            "x-amz-executed-version"
        )

    # -- checks, in order --------------------------------------------------

    def check_create_function_fields(self):
        zipped = self.zips["echo"]
        r = self.create(
            self.name,
            Runtime="wasi",
            Description="nimbus e2e",
            Timeout=10,
            MemorySize=256,
            Environment={"Variables": {"GREETING": "hi"}},
        )
        eq(status_of(r), 201, "HTTP status of CreateFunction")
        eq(r.get("FunctionName"), self.name, "FunctionName")
        eq(r.get("FunctionArn"), arn(self.name), "FunctionArn")
        eq(r.get("Runtime"), "wasi", "Runtime")
        eq(r.get("Role"), ROLE, "Role")
        eq(r.get("Handler"), "function.wasm", "Handler")
        eq(r.get("CodeSize"), len(zipped), "CodeSize (bytes of the zip sent)")
        eq(r.get("CodeSha256"), sha256_b64(zipped), "CodeSha256 (base64 sha256 of the zip)")
        eq(r.get("Description"), "nimbus e2e", "Description")
        eq(r.get("Timeout"), 10, "Timeout")
        eq(r.get("MemorySize"), 256, "MemorySize")
        check(
            LAST_MODIFIED.match(str(r.get("LastModified", ""))),
            f"LastModified {r.get('LastModified')!r} is not YYYY-MM-DDTHH:MM:SS.mmm+0000",
        )
        eq(r.get("Version"), "$LATEST", "Version")
        eq(r.get("Environment"), {"Variables": {"GREETING": "hi"}}, "Environment")
        eq(r.get("State"), "Active", "State")
        eq(r.get("LastUpdateStatus"), "Successful", "LastUpdateStatus")
        check(r.get("RevisionId"), f"RevisionId missing: {short(r)}")
        eq(r.get("PackageType"), "Zip", "PackageType")
        archs = r.get("Architectures")
        check(
            isinstance(archs, list) and len(archs) == 1 and archs[0] in ("x86_64", "arm64"),
            f"Architectures: expected ['x86_64'] or ['arm64'], got {archs!r}",
        )
        eq(r.get("EphemeralStorage"), {"Size": 512}, "EphemeralStorage")
        eq(r.get("TracingConfig"), {"Mode": "PassThrough"}, "TracingConfig")
        self.state["created"] = r

    def check_waiter_function_active_v2(self):
        self.client.get_waiter("function_active_v2").wait(
            FunctionName=self.name, WaiterConfig={"Delay": 1, "MaxAttempts": 10}
        )

    def check_get_function(self):
        created = self.state["created"]
        r = self.client.get_function(FunctionName=self.name)
        eq(status_of(r), 200, "HTTP status of GetFunction")
        config = r.get("Configuration", {})
        for key in (
            "FunctionName", "FunctionArn", "Runtime", "Role", "Handler", "CodeSize",
            "CodeSha256", "Description", "Timeout", "MemorySize", "Version", "Environment",
            "State", "LastUpdateStatus", "RevisionId", "LastModified", "PackageType",
        ):
            eq(config.get(key), created.get(key), f"GetFunction Configuration.{key}")
        check("Code" in r, f"GetFunction has no Code: {short(r)}")
        c = self.client.get_function_configuration(FunctionName=self.name)
        eq(status_of(c), 200, "HTTP status of GetFunctionConfiguration")
        for key in ("FunctionArn", "CodeSha256", "RevisionId", "MemorySize", "Environment"):
            eq(c.get(key), created.get(key), f"GetFunctionConfiguration.{key}")
        q = self.client.get_function(FunctionName=self.name, Qualifier="$LATEST")
        eq(q["Configuration"].get("Version"), "$LATEST", "GetFunction Qualifier=$LATEST Version")
        by_arn = self.client.get_function(FunctionName=arn(self.name))
        eq(by_arn["Configuration"].get("FunctionName"), self.name, "GetFunction by ARN")

    def check_create_duplicate_conflict(self):
        self.expect_error("ResourceConflictException", self.create, self.name)

    def check_create_defaults_and_publish(self):
        name = self.prefix + "-defaults"
        r = self.client.create_function(
            FunctionName=name, Runtime="provided.al2", Role=ROLE,
            Code={"ZipFile": self.zips["echo"]}, Publish=True,
        )
        self.created.add(name)
        eq(r.get("Handler"), "function.wasm", "default Handler")
        eq(r.get("MemorySize"), 128, "default MemorySize (AWS: 128)")
        eq(r.get("Timeout"), 3, "default Timeout (AWS: 3)")
        eq(r.get("Version"), "1", "Version of CreateFunction with Publish=True")
        eq(r.get("FunctionArn"), arn(name, "1"), "FunctionArn with Publish=True")
        versions = self.client.list_versions_by_function(FunctionName=name)["Versions"]
        eq([v["Version"] for v in versions], ["$LATEST", "1"], "versions after Publish=True")
        out = self.invoke(name, b'{"p":1}', Qualifier="1")
        eq(out["Body"], b'{"p":1}', "payload of version 1")

    def check_list_functions_pagination(self):
        names = [f"{self.prefix}-page-{i:02d}" for i in range(60)]
        for name in names:
            self.create(name)
        ours = set(names)
        seen, marker, pages = [], None, 0
        while True:
            kwargs = {"MaxItems": 25}
            if marker:
                kwargs["Marker"] = marker
            page = self.client.list_functions(**kwargs)
            pages += 1
            check(pages <= 100, "NextMarker chain does not end")
            functions = page.get("Functions", [])
            check(len(functions) <= 25, f"page of {len(functions)} functions for MaxItems=25")
            seen += [f["FunctionName"] for f in functions]
            marker = page.get("NextMarker")
            if not marker:
                break
        check(len(seen) == len(set(seen)), f"a function listed twice: {sorted(seen)}")
        missing = ours - set(seen)
        check(not missing, f"not listed: {sorted(missing)}")
        check(pages >= 3, f"60+ functions in {pages} pages of MaxItems=25")
        listed = self.client.list_functions()
        eq(len(listed.get("Functions", [])), 50, "page size without MaxItems (default 50)")
        check(listed.get("NextMarker"), "no NextMarker after a full default page")
        big = self.client.list_functions(MaxItems=1000)
        check(len(big.get("Functions", [])) <= 50, "MaxItems=1000 gave more than 50 functions")
        paged = []
        paginator = self.client.get_paginator("list_functions")
        for page in paginator.paginate(PaginationConfig={"PageSize": 25}):
            paged += [f["FunctionName"] for f in page.get("Functions", [])]
        check(len(paged) == len(set(paged)), "the boto3 paginator listed a function twice")
        check(not (ours - set(paged)), f"paginator missed: {sorted(ours - set(paged))}")
        eq(sorted(paged), sorted(seen), "functions via paginator vs NextMarker chain")
        for name in names:
            d = self.client.delete_function(FunctionName=name)
            eq(status_of(d), 204, "HTTP status of DeleteFunction")
            self.created.discard(name)

    def check_invoke(self):
        payload = b'{"hello":"world","n":[1,2,3]}'
        r = self.invoke(self.name, payload)
        eq(r.get("StatusCode"), 200, "StatusCode")
        eq(r["Body"], payload, "echo payload")
        check("FunctionError" not in r, f"FunctionError on success: {r.get('FunctionError')}")
        check("LogResult" not in r, "LogResult without LogType=Tail")
        eq(self.executed_version(r), "$LATEST", "X-Amz-Executed-Version")

    def check_invoke_log_tail(self):
        r = self.invoke(self.name, b'{"tail":true}', LogType="Tail")
        eq(r.get("StatusCode"), 200, "StatusCode")
        eq(r["Body"], b'{"tail":true}', "echo payload")
        check(r.get("LogResult"), "no X-Amz-Log-Result with LogType=Tail")
        log = base64.b64decode(r["LogResult"])
        check(len(log) <= 4096, f"LogResult decodes to {len(log)} bytes (> 4 KB)")
        lines = [l for l in log.decode(errors="replace").splitlines() if l.strip()]
        check(lines, "empty log")
        match = REPORT.match(lines[-1])
        check(match, f"last log line is not a REPORT line: {lines[-1]!r}")
        eq(match["mem"], "256", "Memory Size in the REPORT line")
        # botocore reads x-amzn-RequestId into ResponseMetadata; the REPORT
        # line names the same id (as AWS does).
        request_id = r["ResponseMetadata"].get("RequestId")
        check(request_id, f"no x-amzn-RequestId: {r['ResponseMetadata']}")
        eq(match["id"], request_id, "REPORT RequestId vs x-amzn-RequestId")

    def check_dry_run_204(self):
        r = self.invoke(self.name, b"{}", InvocationType="DryRun")
        eq(r.get("StatusCode"), 204, "StatusCode of DryRun")
        check(not r["Body"], f"DryRun has a body: {r['Body'][:100]!r}")

    def check_invoke_event_queued(self):
        # An Event invoke answers 202 with an empty body once queued, and
        # none of the headers that describe a run (there has been none yet).
        r = self.invoke(self.name, b"{}", InvocationType="Event")
        eq(r.get("StatusCode"), 202, "StatusCode of an Event invoke")
        eq(r["Body"], b"", "the payload of an Event invoke")
        headers = headers_of(r)
        for name in ("x-amz-executed-version", "x-amz-function-error", "x-amz-log-result"):
            check(name not in headers, f"an Event invoke answered {name}: {headers}")
        check(r["ResponseMetadata"].get("RequestId"), f"no x-amzn-RequestId: {r['ResponseMetadata']}")

    def check_update_function_code(self):
        before = self.client.get_function_configuration(FunctionName=self.name)
        zipped = self.zips["print_env"]
        r = self.client.update_function_code(FunctionName=self.name, ZipFile=zipped)
        eq(status_of(r), 200, "HTTP status of UpdateFunctionCode")
        eq(r.get("CodeSha256"), sha256_b64(zipped), "CodeSha256 after update")
        check(r.get("CodeSha256") != before.get("CodeSha256"), "CodeSha256 did not change")
        eq(r.get("CodeSize"), len(zipped), "CodeSize after update")
        check(
            r.get("RevisionId") and r.get("RevisionId") != before.get("RevisionId"),
            "RevisionId did not change on UpdateFunctionCode",
        )
        self.client.get_waiter("function_updated_v2").wait(
            FunctionName=self.name, WaiterConfig={"Delay": 1, "MaxAttempts": 10}
        )
        after = self.client.get_function_configuration(FunctionName=self.name)
        eq(after.get("LastUpdateStatus"), "Successful", "LastUpdateStatus")
        eq(after.get("CodeSha256"), sha256_b64(zipped), "CodeSha256 from GetFunctionConfiguration")
        env = self.env_of(self.invoke(self.name)["Body"])
        eq(env.get("GREETING"), "hi", "GREETING in the new code's environment")
        self.state["stale_revision"] = before["RevisionId"]

    def check_update_function_configuration(self):
        before = self.client.get_function_configuration(FunctionName=self.name)
        env = {"GREETING": "hello", "VER": "one"}
        r = self.client.update_function_configuration(
            FunctionName=self.name, MemorySize=512, Timeout=20,
            Environment={"Variables": env}, Description="updated",
        )
        eq(status_of(r), 200, "HTTP status of UpdateFunctionConfiguration")
        eq(r.get("MemorySize"), 512, "MemorySize")
        eq(r.get("Timeout"), 20, "Timeout")
        eq(r.get("Environment"), {"Variables": env}, "Environment")
        eq(r.get("Description"), "updated", "Description")
        eq(r.get("CodeSha256"), before.get("CodeSha256"), "CodeSha256 kept")
        eq(r.get("Handler"), "function.wasm", "Handler kept")
        check(r.get("RevisionId") != before.get("RevisionId"), "RevisionId did not change")
        self.client.get_waiter("function_updated_v2").wait(
            FunctionName=self.name, WaiterConfig={"Delay": 1, "MaxAttempts": 10}
        )
        c = self.client.get_function_configuration(FunctionName=self.name)
        eq((c.get("MemorySize"), c.get("Timeout")), (512, 20), "memory and timeout read back")
        out = self.invoke(self.name, LogType="Tail")
        got = self.env_of(out["Body"])
        eq((got.get("GREETING"), got.get("VER")), ("hello", "one"), "environment in the guest")
        last = base64.b64decode(out.get("LogResult", "")).decode(errors="replace").strip()
        match = REPORT.match(last.splitlines()[-1] if last else "")
        check(match and match["mem"] == "512", f"REPORT line after MemorySize=512: {last[-200:]!r}")

    def check_stale_revision_id(self):
        stale = self.state["stale_revision"]
        self.expect_error(
            "PreconditionFailedException", self.client.update_function_configuration,
            FunctionName=self.name, Timeout=21, RevisionId=stale,
        )
        self.expect_error(
            "PreconditionFailedException", self.client.update_function_code,
            FunctionName=self.name, ZipFile=self.zips["print_env"], RevisionId=stale,
        )
        eq(self.client.get_function_configuration(FunctionName=self.name)["Timeout"], 20,
           "Timeout after the refused update")
        current = self.client.get_function_configuration(FunctionName=self.name)["RevisionId"]
        ok = self.client.update_function_configuration(
            FunctionName=self.name, Timeout=20, RevisionId=current
        )
        eq(status_of(ok), 200, "update with the current RevisionId")

    def check_publish_versions(self):
        v1 = self.client.publish_version(FunctionName=self.name, Description="first")
        eq(status_of(v1), 201, "HTTP status of PublishVersion")
        eq(v1.get("Version"), "1", "first published Version")
        eq(v1.get("FunctionArn"), arn(self.name, "1"), "FunctionArn of version 1")
        eq(v1.get("Environment"), {"Variables": {"GREETING": "hello", "VER": "one"}}, "v1 env")
        self.client.update_function_configuration(
            FunctionName=self.name, Environment={"Variables": {"GREETING": "hello", "VER": "two"}}
        )
        self.client.get_waiter("function_updated_v2").wait(
            FunctionName=self.name, WaiterConfig={"Delay": 1, "MaxAttempts": 10}
        )
        v2 = self.client.publish_version(FunctionName=self.name)
        eq(v2.get("Version"), "2", "second published Version")
        got = self.client.get_function(FunctionName=self.name, Qualifier="1")["Configuration"]
        eq(got.get("Version"), "1", "GetFunction Qualifier=1 Version")
        eq(got["Environment"]["Variables"].get("VER"), "one", "version 1 keeps its environment")
        r = self.invoke(self.name, Qualifier="1")
        eq(self.executed_version(r), "1", "X-Amz-Executed-Version for Qualifier=1")
        eq(self.env_of(r["Body"]).get("VER"), "one", "version 1 runs with VER=one")
        r = self.invoke(self.name)
        eq(self.executed_version(r), "$LATEST", "X-Amz-Executed-Version unqualified")
        eq(self.env_of(r["Body"]).get("VER"), "two", "$LATEST runs with VER=two")

    def check_list_versions(self):
        r = self.client.list_versions_by_function(FunctionName=self.name)
        versions = [v.get("Version") for v in r.get("Versions", [])]
        eq(versions, ["$LATEST", "1", "2"], "ListVersionsByFunction")
        arns = [v.get("FunctionArn") for v in r["Versions"]]
        # AWS lists $LATEST with its qualified ARN (`...:function:NAME:$LATEST`).
        check(arns[0] in (arn(self.name, "$LATEST"), arn(self.name)), f"$LATEST's ARN: {arns[0]}")
        eq(arns[1:], [arn(self.name, "1"), arn(self.name, "2")], "version ARNs")

    def check_weighted_alias(self):
        r = self.client.create_alias(
            FunctionName=self.name, Name="live", FunctionVersion="1", Description="weighted",
            RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}},
        )
        eq(status_of(r), 201, "HTTP status of CreateAlias")
        eq(r.get("AliasArn"), arn(self.name, "live"), "AliasArn")
        eq(r.get("Name"), "live", "Name")
        eq(r.get("FunctionVersion"), "1", "FunctionVersion")
        eq(r.get("RoutingConfig"), {"AdditionalVersionWeights": {"2": 0.5}}, "RoutingConfig")
        check(r.get("RevisionId"), "alias RevisionId missing")
        counts = {}
        for _ in range(40):
            out = self.invoke(self.name, Qualifier="live")
            version = self.executed_version(out)
            eq(out.get("StatusCode"), 200, "StatusCode of an alias invocation")
            expected_v = {"1": "one", "2": "two"}.get(version)
            check(expected_v, f"X-Amz-Executed-Version {version!r} for alias live (1 or 2)")
            eq(self.env_of(out["Body"]).get("VER"), expected_v, f"env of version {version}")
            counts[version] = counts.get(version, 0) + 1
        check(set(counts) == {"1", "2"}, f"40 invocations at weight 0.5 ran only {counts}")

    def check_alias_get_update_list_delete(self):
        g = self.client.get_alias(FunctionName=self.name, Name="live")
        eq(g.get("FunctionVersion"), "1", "GetAlias FunctionVersion")
        eq(g.get("AliasArn"), arn(self.name, "live"), "GetAlias AliasArn")
        u = self.client.update_alias(
            FunctionName=self.name, Name="live", FunctionVersion="2",
            RoutingConfig={"AdditionalVersionWeights": {}},
        )
        eq(u.get("FunctionVersion"), "2", "UpdateAlias FunctionVersion")
        check(u.get("RevisionId") != g.get("RevisionId"), "alias RevisionId did not change")
        check(
            not (u.get("RoutingConfig") or {}).get("AdditionalVersionWeights"),
            f"RoutingConfig not cleared: {u.get('RoutingConfig')}",
        )
        self.expect_error(
            "PreconditionFailedException", self.client.update_alias,
            FunctionName=self.name, Name="live", Description="x", RevisionId=g["RevisionId"],
        )
        for _ in range(5):
            eq(self.executed_version(self.invoke(self.name, Qualifier="live")), "2",
               "executed version after UpdateAlias to 2")
        self.client.create_alias(FunctionName=self.name, Name="beta", FunctionVersion="1")
        listed = self.client.list_aliases(FunctionName=self.name).get("Aliases", [])
        eq(sorted(a["Name"] for a in listed), ["beta", "live"], "ListAliases")
        d = self.client.delete_alias(FunctionName=self.name, Name="beta")
        eq(status_of(d), 204, "HTTP status of DeleteAlias")
        listed = self.client.list_aliases(FunctionName=self.name).get("Aliases", [])
        eq([a["Name"] for a in listed], ["live"], "ListAliases after DeleteAlias")
        self.expect_error("ResourceNotFoundException", self.client.get_alias,
                          FunctionName=self.name, Name="beta")

    def check_get_alias_missing(self):
        self.expect_error("ResourceNotFoundException", self.client.get_alias,
                          FunctionName=self.name, Name="nope")
        self.expect_error("ResourceNotFoundException", self.invoke, self.name, Qualifier="nope")

    def check_function_error(self):
        name = self.prefix + "-err"
        self.create(name, guest="exit_error")
        r = self.invoke(name, b'{"x":1}')
        eq(r.get("StatusCode"), 200, "StatusCode of a function error")
        eq(r.get("FunctionError"), "Unhandled", "FunctionError")
        try:
            body = json.loads(r["Body"])
        except ValueError:
            raise Fail(f"error payload is not JSON: {r['Body'][:200]!r}") from None
        eq(body.get("errorType"), "InputError", "errorType")
        eq(body.get("errorMessage"), "bad input", "errorMessage")

    def check_timeout(self):
        name = self.prefix + "-loop"
        self.create(name, guest="loop", Timeout=1)
        started = time.monotonic()
        r = self.invoke(name)
        took = time.monotonic() - started
        eq(r.get("StatusCode"), 200, "StatusCode of a timed-out invocation")
        eq(r.get("FunctionError"), "Unhandled", "FunctionError")
        body = json.loads(r["Body"])
        eq(body.get("errorType"), "Sandbox.Timedout", "errorType")
        eq(body.get("errorMessage"), TIMED_OUT, "errorMessage")
        check(0.9 <= took <= 10, f"a 1 s timeout answered after {took:.2f} s")

    def check_payload_too_large(self):
        payload = b'{"x":"' + b"a" * (7 * 1024 * 1024) + b'"}'
        self.expect_error("RequestTooLargeException", self.invoke, self.name, payload)
        eq(self.invoke(self.name)["StatusCode"], 200, "an invocation after the 413")

    def check_not_found(self):
        missing = self.prefix + "-missing"
        self.expect_error("ResourceNotFoundException", self.invoke, missing)
        e = self.expect_error("ResourceNotFoundException", self.client.get_function,
                              FunctionName=missing)
        eq(e.response["Error"].get("Message"), f"Function not found: {arn(missing)}",
           "GetFunction 404 message")
        self.expect_error("ResourceNotFoundException", self.client.get_function_configuration,
                          FunctionName=missing)
        self.expect_error("ResourceNotFoundException", self.client.delete_function,
                          FunctionName=missing)
        self.expect_error("ResourceNotFoundException", self.client.get_function,
                          FunctionName=self.name, Qualifier="99")

    def check_invalid_runtime(self):
        name = self.prefix + "-py"
        self.expect_error("InvalidParameterValueException", self.create, name,
                          Runtime="python3.12")
        self.created.discard(name)
        self.expect_error("ResourceNotFoundException", self.client.get_function, FunctionName=name)

    def check_bad_zip(self):
        name = self.prefix + "-badzip"
        try:
            e = self.expect_error(
                "InvalidParameterValueException", self.client.create_function,
                FunctionName=name, Runtime="wasi", Role=ROLE,
                Code={"ZipFile": b"this is not a zip file"},
            )
        finally:
            self.created.add(name)  # deleted at the end if it was made anyway
        eq(e.response["Error"].get("Message"), UNZIP, "the message for bytes that are not a zip")

    def check_invalid_parameters(self):
        self.expect_error("ValidationException", self.create, "bad name!", client=self.raw)
        self.created.discard("bad name!")
        self.expect_error("ValidationException", self.create, self.prefix + "-mem64",
                          client=self.raw, MemorySize=64)
        self.expect_error("ValidationException", self.create, self.prefix + "-mem",
                          client=self.raw, MemorySize=10241)
        self.expect_error("ValidationException", self.create, self.prefix + "-t0",
                          client=self.raw, Timeout=0)
        self.expect_error("ValidationException", self.create, self.prefix + "-role",
                          client=self.raw, Role="not-a-role")
        name = self.prefix + "-t901"
        try:
            self.create(name, client=self.raw, Timeout=901)
        except ClientError as e:
            code = e.response["Error"].get("Code")
            check(code in ("InvalidParameterValueException", "ValidationException"),
                  f"Timeout=901: expected a 400 error, got {code}")
        else:
            raise Fail("Timeout=901 was accepted (max 900)")

    def check_reserved_concurrency_zero(self):
        p = self.client.put_function_concurrency(
            FunctionName=self.name, ReservedConcurrentExecutions=0
        )
        eq(p.get("ReservedConcurrentExecutions"), 0, "PutFunctionConcurrency")
        g = self.client.get_function_concurrency(FunctionName=self.name)
        eq(g.get("ReservedConcurrentExecutions"), 0, "GetFunctionConcurrency")
        e = self.expect_error("TooManyRequestsException", self.invoke, self.name)
        reason = e.response.get("Reason") or ""
        text = reason + " " + str(e.response["Error"].get("Message", ""))
        check("ReservedFunctionConcurrentInvocationLimitExceeded" in text,
              f"no Reason ReservedFunctionConcurrentInvocationLimitExceeded: {short(e.response)}")
        d = self.client.delete_function_concurrency(FunctionName=self.name)
        eq(status_of(d), 204, "HTTP status of DeleteFunctionConcurrency")
        g = self.client.get_function_concurrency(FunctionName=self.name)
        check(g.get("ReservedConcurrentExecutions") is None,
              f"reserved concurrency still set: {g.get('ReservedConcurrentExecutions')}")
        eq(self.invoke(self.name)["StatusCode"], 200, "invoke after DeleteFunctionConcurrency")

    def check_account_settings(self):
        r = self.client.get_account_settings()
        limit = r.get("AccountLimit", {}).get("ConcurrentExecutions")
        check(isinstance(limit, int) and limit > 0,
              f"AccountLimit.ConcurrentExecutions: {limit!r}")
        count = r.get("AccountUsage", {}).get("FunctionCount")
        check(isinstance(count, int) and count >= 1, f"AccountUsage.FunctionCount: {count!r}")

    def check_delete_version_with_qualifier(self):
        self.client.delete_alias(FunctionName=self.name, Name="live")
        d = self.client.delete_function(FunctionName=self.name, Qualifier="1")
        eq(status_of(d), 204, "HTTP status of DeleteFunction Qualifier=1")
        self.expect_error("ResourceNotFoundException", self.client.get_function,
                          FunctionName=self.name, Qualifier="1")
        eq(self.client.get_function(FunctionName=self.name, Qualifier="2")["Configuration"]
           ["Version"], "2", "version 2 after deleting version 1")
        versions = self.client.list_versions_by_function(FunctionName=self.name)["Versions"]
        eq([v["Version"] for v in versions], ["$LATEST", "2"], "versions after deleting 1")
        eq(self.invoke(self.name)["StatusCode"], 200, "$LATEST after deleting version 1")

    def check_delete_function(self):
        d = self.client.delete_function(FunctionName=self.name)
        eq(status_of(d), 204, "HTTP status of DeleteFunction")
        self.created.discard(self.name)
        e = self.expect_error("ResourceNotFoundException", self.client.get_function,
                              FunctionName=self.name)
        eq(e.response["Error"].get("Message"), f"Function not found: {arn(self.name)}",
           "GetFunction message after delete")
        self.expect_error("ResourceNotFoundException", self.client.get_function,
                          FunctionName=self.name, Qualifier="2")
        self.expect_error("ResourceNotFoundException", self.invoke, self.name)
        names = []
        for page in self.client.get_paginator("list_functions").paginate():
            names += [f["FunctionName"] for f in page["Functions"]]
        check(self.name not in names, "a deleted function is still listed")

    def check_cleanup(self):
        for name in sorted(self.created):
            try:
                self.client.delete_function(FunctionName=name)
            except ClientError as e:
                if e.response["Error"].get("Code") != "ResourceNotFoundException":
                    raise
        self.created.clear()

    def checks(self):
        return [
            (name[len("check_"):], getattr(self, name))
            for name in Suite.ORDER
        ]

    ORDER = [
        "check_create_function_fields",
        "check_waiter_function_active_v2",
        "check_get_function",
        "check_create_duplicate_conflict",
        "check_create_defaults_and_publish",
        "check_list_functions_pagination",
        "check_invoke",
        "check_invoke_log_tail",
        "check_dry_run_204",
        "check_invoke_event_queued",
        "check_update_function_code",
        "check_update_function_configuration",
        "check_stale_revision_id",
        "check_publish_versions",
        "check_list_versions",
        "check_weighted_alias",
        "check_alias_get_update_list_delete",
        "check_get_alias_missing",
        "check_function_error",
        "check_timeout",
        "check_payload_too_large",
        "check_not_found",
        "check_invalid_runtime",
        "check_bad_zip",
        "check_invalid_parameters",
        "check_reserved_concurrency_zero",
        "check_account_settings",
        "check_delete_version_with_qualifier",
        "check_delete_function",
        "check_cleanup",
    ]


def describe_client_error(error):
    if isinstance(error, ClientError):
        return f"{error} {short(error.response.get('Error'))}"
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", required=True, help="http://127.0.0.1:PORT")
    parser.add_argument("--bundles", required=True, help="dir with echo.zip, loop.zip, ...")
    args = parser.parse_args()
    suite = Suite(args.endpoint, args.bundles)
    sys.exit(1 if run(suite.checks(), describe_client_error) else 0)


if __name__ == "__main__":
    main()
