"""scripts/audit.py: its three outcomes against a fake pip-audit, never the network."""

import importlib.util
import json
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "audit.py"
_spec = importlib.util.spec_from_file_location("audit", SCRIPT)
audit = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(audit)


def _clean(name: str) -> dict:
    return {"name": name, "version": "1.0", "vulns": []}


@pytest.fixture
def pip_audit(monkeypatch):
    """Replace pip-audit by a fake that answers with the given exit code and output."""
    calls = []

    def answer(returncode: int = 0, report: dict | None = None, stdout=None, stderr=""):
        def run(command, **kwargs):
            calls.append(command)
            out = json.dumps(report) if stdout is None else stdout
            return subprocess.CompletedProcess(command, returncode, out, stderr)

        monkeypatch.setattr(audit.subprocess, "run", run)
        return calls

    return answer


def test_a_clean_report_says_how_many_packages_were_checked(pip_audit, capsys):
    pip_audit(0, {"dependencies": [_clean("django"), _clean("celery")], "fixes": []})
    assert audit.main([]) == 0
    assert capsys.readouterr().out == "checked 2 packages: no known vulnerabilities\n"


def test_vulnerabilities_are_listed_and_exit_one(pip_audit, capsys):
    vulnerable = {
        "name": "django",
        "version": "5.2.1",
        "vulns": [{"id": "PYSEC-2026-1", "fix_versions": ["5.2.9"]}, {"id": "GHSA-xxxx"}],
    }
    pip_audit(1, {"dependencies": [_clean("celery"), vulnerable], "fixes": []})
    assert audit.main([]) == 1
    assert capsys.readouterr().out == (
        "2 vulnerabilities found: django 5.2.1 (PYSEC-2026-1, GHSA-xxxx)\n"
    )


def test_a_network_failure_is_not_reported_as_clean(pip_audit, capsys):
    pip_audit(
        1,
        stdout="",
        stderr="Traceback ...\nrequests.exceptions.ConnectionError: Max retries exceeded\n",
    )
    assert audit.main([]) == 3
    assert capsys.readouterr().out == (
        "could not check: pip-audit exited 1: "
        "requests.exceptions.ConnectionError: Max retries exceeded\n"
    )


def test_skipped_packages_with_exit_zero_are_not_reported_as_clean(pip_audit, capsys):
    # What pip-audit really answers when it cannot reach PyPI: every package skipped, exit 0.
    reason = "Dependency not found on PyPI and could not be audited: amqp (5.4.2)"
    pip_audit(0, {"dependencies": [{"name": "amqp", "skip_reason": reason}, _clean("django")]})
    assert audit.main([]) == 3
    assert capsys.readouterr().out == (
        f"could not check: 1 of 2 packages were skipped, e.g. {reason}\n"
    )


def test_no_packages_at_all_is_not_reported_as_clean(pip_audit, capsys):
    pip_audit(0, {"dependencies": [], "fixes": []})
    assert audit.main([]) == 3
    assert "could not check: pip-audit found no packages" in capsys.readouterr().out


def test_an_empty_report_with_a_failing_exit_is_not_reported_as_clean(pip_audit, capsys):
    pip_audit(2, {"dependencies": [_clean("django")]}, stderr="error: service unavailable")
    assert audit.main([]) == 3
    assert capsys.readouterr().out == (
        "could not check: pip-audit exited 2: error: service unavailable\n"
    )


def test_a_missing_pip_audit_is_reported(monkeypatch, capsys):
    def run(command, **kwargs):
        raise FileNotFoundError(command[0])

    monkeypatch.setattr(audit.subprocess, "run", run)
    assert audit.main([]) == 3
    assert capsys.readouterr().out == "could not check: pip-audit is not installed in this venv\n"


def test_both_lock_files_are_audited_as_pinned_without_installing_them(pip_audit):
    calls = pip_audit(0, {"dependencies": [_clean("django")]})
    audit.main([])
    command = calls[0]
    assert command[command.index("--format") + 1] == "json"
    assert {"--no-deps", "--disable-pip"} <= set(command)
    files = [command[i + 1] for i, arg in enumerate(command) if arg == "--requirement"]
    assert [Path(f).name for f in files] == ["requirements.lock", "requirements-dev.lock"]
