"""The documented production settings pass Django's deployment check on what it can see: behind HTTPS
(CRM_HTTPS=1) cookies are secure, plain HTTP is redirected and HSTS is sent."""

from __future__ import annotations

import os
import subprocess
import sys


def test_the_deployment_check_finds_no_missing_https_setting(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    env |= {"CRM_DATA_DIR": str(tmp_path), "CRM_HTTPS": "1", "CRM_ALLOWED_HOSTS": "crm.example.ru"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    report = result.stdout + result.stderr
    for warning in ("W004", "W008", "W012", "W016", "W018"):  # HSTS, SSL redirect, cookies, DEBUG
        assert warning not in report, report
