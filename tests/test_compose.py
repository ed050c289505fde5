"""The compose files, read as a container engine would: production without demo or secrets."""

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = ROOT / "docker-compose.yml"
DEMO = ROOT / "docker-compose.demo.yml"

SECRET_NAME = re.compile(r"SECRET|PASSWORD|TOKEN|KEY")
# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?message}, ${NAME?message}
INTERPOLATION = re.compile(r"\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<rest>[^}]*))?\}")
LONG_RUNNING = ("web", "worker", "beat")


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def _command_line(service: dict) -> str:
    parts = []
    for key in ("entrypoint", "command"):
        value = service.get(key) or []
        parts.append(" ".join(value) if isinstance(value, list) else str(value))
    return " ".join(parts)


def _environment(service: dict) -> dict:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {name: str(value) for name, value in env.items()}


@pytest.fixture(scope="module")
def production() -> dict:
    return _load(PRODUCTION)


@pytest.fixture(scope="module")
def demo() -> dict:
    return _load(DEMO)


def test_no_production_service_runs_seed_demo(production):
    for name, service in production["services"].items():
        assert "seed_demo" not in _command_line(service), name


def test_production_runs_in_production_mode(production):
    for name in (*LONG_RUNNING, "manage"):
        assert _environment(production["services"][name])["DJANGO_ENV"] == "production", name


def test_no_production_secret_has_a_default(production):
    for service_name, service in production["services"].items():
        for name, value in _environment(service).items():
            interpolations = list(INTERPOLATION.finditer(value))
            for found in interpolations:
                if SECRET_NAME.search(found["name"]) and found["op"] in {":-", "-"}:
                    assert found["rest"] == "", f"{service_name}: {name} has a default secret"
            if SECRET_NAME.search(name):
                assert interpolations, f"{service_name}: {name} is written into the file"
                # Required (":?"), or optional and empty by default.
                assert all(f["op"] in {":?", "?"} or not f["rest"] for f in interpolations), (
                    f"{service_name}: {name} has a default"
                )
            # A URL with a password in it must take that password from the environment.
            written = INTERPOLATION.sub(lambda found: f"${{{found['name']}}}", value)
            credentials = re.search(r"://[^/@:]+:([^@]+)@", written)
            if credentials:
                assert INTERPOLATION.fullmatch(credentials.group(1)), (
                    f"{service_name}: {name} has a password written into the file"
                )


@pytest.mark.parametrize("name", ["SECRET_KEY", "EMAIL_URL", "ALLOWED_HOSTS"])
def test_production_stops_when_a_required_variable_is_missing(production, name):
    value = _environment(production["services"]["web"])[name]
    assert re.fullmatch(rf"\$\{{{name}:\?[^}}]+\}}", value)


def test_production_mail_goes_to_the_server_in_email_url_not_a_mail_catcher(production):
    assert "mail" not in production["services"]
    for service in production["services"].values():
        assert "mailpit" not in service.get("image", "")


def test_beat_runs_exactly_one_replica(production):
    beat = production["services"]["beat"]
    assert beat["deploy"]["replicas"] == 1
    assert "beat" in _command_line(beat)
    for name in ("web", "worker"):
        assert "beat" not in _command_line(production["services"][name]).split(), name


def test_web_and_worker_are_separate_services_that_can_have_replicas(production):
    for name in ("web", "worker"):
        service = production["services"][name]
        # A fixed container name would make a second replica impossible.
        assert "container_name" not in service
        assert "replicas" in service["deploy"]
    assert "gunicorn" in _command_line(production["services"]["web"])
    assert "run_worker" in _command_line(production["services"]["worker"])


def test_migrations_are_a_one_off_step_not_part_of_every_start(production):
    services = production["services"]
    one_off = [name for name, s in services.items() if "migrate" in _command_line(s)]
    assert one_off == ["manage"]
    assert services["manage"]["profiles"] == ["tools"]
    for name in LONG_RUNNING:
        assert "manage" not in (services[name].get("depends_on") or {}), name


def test_the_demo_file_says_loudly_that_it_is_a_demo(demo):
    head = DEMO.read_text().splitlines()[:8]
    assert any("DEMO ONLY. NOT FOR PRODUCTION" in line for line in head)


def test_the_demo_seeds_demo_data_catches_mail_and_listens_on_localhost_only(demo):
    services = demo["services"]
    assert any("seed_demo" in _command_line(s) for s in services.values())
    assert "mailpit" in services["mail"]["image"]
    for service in services.values():
        for port in service.get("ports", []):
            assert port.startswith("127.0.0.1:"), port
    # seed_demo refuses production mode.
    assert _environment(services["web"])["DJANGO_ENV"] == "local"


def test_the_web_service_shares_its_metrics_between_gunicorn_workers(production):
    web = production["services"]["web"]
    assert _environment(web)["PROMETHEUS_MULTIPROC_DIR"]
    assert "paqt_support/gunicorn.py" in _command_line(web)
    # The other services must not write there: the folder exists only in web.
    for name in ("worker", "beat", "manage"):
        assert "PROMETHEUS_MULTIPROC_DIR" not in _environment(production["services"][name])
