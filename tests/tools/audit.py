"""`make audit`: pip-audit over the pinned requirements, with an honest verdict.

pip-audit needs PyPI's JSON API (and the advisory database behind it). Behind a package
mirror or offline it reports every package as "could not be audited" - and still "No known
vulnerabilities found". This wrapper says plainly when nothing (or not everything) was
checked, and fails in that case instead of passing.
"""
from __future__ import annotations

import subprocess
import sys


def main() -> int:
    command = [sys.executable, "-m", "pip_audit", "--requirement", "requirements.txt",
               "--requirement", "requirements-dev.txt", "--progress-spinner", "off"]
    result = subprocess.run(command, capture_output=True, text=True)
    output = result.stdout + result.stderr
    unchecked = [line.split()[0] for line in output.splitlines()
                 if "could not be audited" in line]
    if result.returncode != 0 and "known vulnerabilit" not in output:
        print(output)
        print("make audit: pip-audit could not run - is the advisory service (pypi.org, osv.dev) "
              "reachable from this machine?")
        return 2
    print(output)
    if unchecked:
        print(f"make audit: {len(unchecked)} packages could NOT be checked: the vulnerability "
              "service is not reachable from here (only a package mirror is). Nothing is "
              "known about them - run `make audit` where pypi.org can be reached.")
        return 2
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
