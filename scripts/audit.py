"""Check the pinned dependencies for known vulnerabilities, and say so when no check happened.

pip-audit reports "No known vulnerabilities found" and exits 0 even when it could not reach
its vulnerability data and skipped every package. This script reads its JSON instead and
ends in one of three ways:

    0  checked N packages: no known vulnerabilities
    1  N vulnerabilities found: ...
    3  could not check: <reason>

Usage: python scripts/audit.py [requirements files...]  (default: both lock files)
"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK_FILES = [ROOT / "requirements.lock", ROOT / "requirements-dev.lock"]
FOUND = 1
NOT_CHECKED = 3


def pip_audit_command(files: list[Path]) -> list[str]:
    """Return the pip-audit command line for ``files``, which are fully pinned.

    --no-deps and --disable-pip: the lock files already name every package, so pip-audit
    need not install them into a scratch environment first.
    """
    command = [
        str(Path(sys.executable).with_name("pip-audit")),
        "--format",
        "json",
        "--progress-spinner",
        "off",
        "--no-deps",
        "--disable-pip",
    ]
    for path in files:
        command += ["--requirement", str(path)]
    return command


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no message"


def verdict(returncode: int, stdout: str, stderr: str) -> tuple[int, str]:
    """Return the exit code and the one-line verdict for a finished pip-audit run."""
    try:
        report = json.loads(stdout)
        dependencies = report["dependencies"]
    except (ValueError, KeyError, TypeError):
        return NOT_CHECKED, f"could not check: pip-audit exited {returncode}: {_last_line(stderr)}"

    vulnerable = [d for d in dependencies if d.get("vulns")]
    if vulnerable:
        findings = [
            f"{d['name']} {d['version']} ({', '.join(v['id'] for v in d['vulns'])})"
            for d in vulnerable
        ]
        count = sum(len(d["vulns"]) for d in vulnerable)
        return FOUND, f"{count} vulnerabilities found: {'; '.join(findings)}"

    if returncode != 0:
        return NOT_CHECKED, f"could not check: pip-audit exited {returncode}: {_last_line(stderr)}"

    skipped = [d for d in dependencies if "skip_reason" in d]
    checked = len(dependencies) - len(skipped)
    if not dependencies:
        return NOT_CHECKED, "could not check: pip-audit found no packages in the lock files"
    if skipped:
        return NOT_CHECKED, (
            f"could not check: {len(skipped)} of {len(dependencies)} packages were skipped, "
            f"e.g. {skipped[0]['skip_reason']}"
        )
    return 0, f"checked {checked} packages: no known vulnerabilities"


def main(argv: list[str]) -> int:
    files = [Path(a) for a in argv] or LOCK_FILES
    try:
        result = subprocess.run(  # noqa: S603 - our own command line, no shell
            pip_audit_command(files), capture_output=True, text=True, timeout=600, check=False
        )
    except FileNotFoundError:
        code, line = NOT_CHECKED, "could not check: pip-audit is not installed in this venv"
    except subprocess.TimeoutExpired:
        code, line = NOT_CHECKED, "could not check: pip-audit did not finish within 10 minutes"
    else:
        code, line = verdict(result.returncode, result.stdout, result.stderr)
    print(line)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
