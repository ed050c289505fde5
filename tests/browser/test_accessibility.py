"""axe-core on every portal page and the staff's main pages, in both languages and two widths.

The staff's pages are walked by whom they are for: the queue, the issue and the reports by
staff, the dashboard by a team lead, and the management of clients, agreements, the rota
and identity providers by an administrator. Files (CSV, PDF) are not pages and are not
walked.
"""

import pytest

from tests.browser.chromium import BROWSER_MARKS, new_context

pytestmark = BROWSER_MARKS

# What axe checks: WCAG 2.0 and 2.1, levels A and AA, the law's standard (EN 301 549).
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
# Rules switched off, each with its reason. Empty: every rule of those levels runs.
DISABLED_RULES: dict[str, str] = {}
FAILING_IMPACTS = {"serious", "critical"}

# name: (who looks, the path, and the form to send empty first, named by its action's end).
PORTAL_PAGES = {
    "login": ("anonymous", "/accounts/login/", None),
    "login with errors": ("anonymous", "/accounts/login/", "/accounts/login/"),
    "organisation login": ("anonymous", "/accounts/sso/", None),
    "organisation login with errors": ("anonymous", "/accounts/login/", "/accounts/sso/"),
    "password reset": ("anonymous", "/accounts/password-reset/", None),
    "accessibility statement": ("anonymous", "/toegankelijkheid/", None),
    "issue list": ("contact", "/issues/", None),
    "filing form": ("contact", "/issues/new/", None),
    "filing form with errors": ("contact", "/issues/new/", "/issues/new/"),
    "issue page": ("contact", "{issue_path}", None),
    "reply with errors": ("contact", "{issue_path}", "/reply/"),
    "account security": ("contact", "/accounts/security/", None),
    "two-factor setup": ("contact", "/accounts/two-factor/setup/", None),
    "two-factor setup with errors": (
        "contact",
        "/accounts/two-factor/setup/",
        "/accounts/two-factor/setup/",
    ),
    "two-factor verify": ("owes_code", "/accounts/two-factor/verify/", None),
    "two-factor verify with errors": (
        "owes_code",
        "/accounts/two-factor/verify/",
        "/accounts/two-factor/verify/",
    ),
    "colleagues": ("admin", "/accounts/colleagues/", None),
    "invite a colleague": ("admin", "/accounts/colleagues/invite/", None),
    "invitation with errors": (
        "admin",
        "/accounts/colleagues/invite/",
        "/accounts/colleagues/invite/",
    ),
    "export": ("admin", "/organisation/export/", None),
    "yearly evaluation": ("contact", "{portal_evaluation_path}", None),
    "acknowledge": ("anonymous", "{acknowledge_path}", None),
    "acknowledge link broken": ("anonymous", "/oncall/acknowledge/not-a-token/", None),
}
STAFF_PAGES = {
    "queue": ("staff", "/admin/tickets/issue/", None),
    "staff issue page": ("staff", "{staff_issue_path}", None),
    "SLA report": ("staff", "{report_path}", None),
    "staff's yearly evaluation": ("staff", "{evaluation_path}", None),
    "on-call schedule": ("staff", "/oncall/", None),
    "dashboard": ("team_lead", "/admin/", None),
    "clients": ("administrator", "/admin/clients/client/", None),
    "client": ("administrator", "{client_path}", None),
    "agreements": ("administrator", "/admin/sla/agreement/", None),
    "agreement": ("administrator", "{agreement_path}", None),
    "rotas": ("administrator", "/admin/oncall/rota/", None),
    "rota": ("administrator", "{rota_path}", None),
    "identity providers": ("administrator", "/admin/sso/identityprovider/", None),
    "identity provider": ("administrator", "{identity_provider_path}", None),
}


def _violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    options = {**AXE_OPTIONS, "rules": {rule: {"enabled": False} for rule in DISABLED_RULES}}
    results = Axe().run(page, options=options)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + "; ".join(" ".join(node["target"]) for node in v["nodes"][:5])
        for v in results.response["violations"]
        if v["impact"] in FAILING_IMPACTS
    ]


# The elements whose content is wider than they are, or that reach past the right edge:
# what makes a page scroll sideways, named to say where.
TOO_WIDE = """() => {
    const root = document.documentElement;
    if (root.scrollWidth <= root.clientWidth) return [];
    return [...document.body.querySelectorAll('*')]
        .filter(e => (e.scrollWidth > e.clientWidth + 1
                      && getComputedStyle(e).overflowX === 'visible')
                     || e.getBoundingClientRect().right > root.clientWidth + 1)
        .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + '.' + e.classList)
        .concat(['the page']);
}"""


def _too_wide(page) -> list[str]:
    return page.evaluate(TOO_WIDE)


def _report(found: dict[str, list[str]]) -> str:
    return "\n".join(f"{name}: {line}" for name, problems in found.items() for line in problems)


def _walk(browser, live_server, walk, pages, *, language, width, portal):
    sessions = {
        "anonymous": None,
        "contact": walk.contact_session,
        "admin": walk.admin_session,
        "staff": walk.staff_session,
        "team_lead": walk.team_lead_session,
        "administrator": walk.administrator_session,
        "owes_code": walk.owes_code_session,
    }
    paths = {
        "issue_path": walk.issue_path,
        "staff_issue_path": walk.staff_issue_path,
        "report_path": walk.report_path,
        "evaluation_path": walk.evaluation_path,
        "portal_evaluation_path": walk.portal_evaluation_path,
        "client_path": walk.client_path,
        "agreement_path": walk.agreement_path,
        "rota_path": walk.rota_path,
        "identity_provider_path": walk.identity_provider_path,
        "acknowledge_path": walk.acknowledge_paths[0],
    }
    contexts = {}
    found = {}
    for name, (role, path, empty_form) in pages.items():
        if role not in contexts:
            # The axe script is injected into the page, which the site's CSP would refuse.
            contexts[role] = new_context(
                browser,
                live_server,
                language=language,
                width=width,
                session=sessions[role],
                bypass_csp=True,
            )
        page = contexts[role].pages[0] if contexts[role].pages else contexts[role].new_page()
        response = page.goto(live_server.url + path.format(**paths))
        assert response.status < 500, f"{name}: {response.status}"
        # A page that sent the person elsewhere (to log in, say) would not be checked.
        assert page.url == live_server.url + path.format(**paths), f"{name}: {page.url}"
        if empty_form:
            form = page.locator(f'main form[action$="{empty_form}"]')
            form.locator("textarea, input:not([type=hidden])").first.fill("")
            with page.expect_navigation():
                form.locator("button[type=submit]").click()
            # The summary of the errors takes the focus, so a screen reader reads it first.
            assert page.evaluate("document.activeElement.className") == "error-summary", name
        assert page.evaluate("document.documentElement.lang") == language, name
        problems = _violations(page)
        if portal and width < 500 and (wide := _too_wide(page)):
            problems.append(f"scrolls sideways on a narrow screen: {wide[:6]}")
        if problems:
            found[name] = problems
    for context in contexts.values():
        context.close()
    return found


LANGUAGES_AND_WIDTHS = [("nl", 1280), ("nl", 390), ("en", 1280), ("en", 390)]


@pytest.mark.parametrize(("language", "width"), LANGUAGES_AND_WIDTHS)
def test_portal_pages_have_no_serious_accessibility_violations(
    live_server, walk, browser, language, width
):
    found = _walk(
        browser, live_server, walk, PORTAL_PAGES, language=language, width=width, portal=True
    )
    assert not found, _report(found)


@pytest.mark.parametrize(("language", "width"), LANGUAGES_AND_WIDTHS)
def test_staff_pages_have_no_serious_accessibility_violations(
    live_server, walk, browser, language, width
):
    found = _walk(
        browser, live_server, walk, STAFF_PAGES, language=language, width=width, portal=False
    )
    assert not found, _report(found)


@pytest.mark.parametrize(("language", "width"), LANGUAGES_AND_WIDTHS)
def test_the_organisation_login_offer_and_its_logout_page_have_no_serious_violations(
    live_server, walk, browser, language, width
):
    found = {}
    visitor = new_context(browser, live_server, language=language, width=width, bypass_csp=True)
    page = visitor.new_page()
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_sso_email", walk.organisation_login_email)
    with page.expect_navigation():
        page.locator('main form[action$="/accounts/sso/"] button[type=submit]').click()
    assert page.locator("a.button", has_text="Gemeente Vreeburg").count() == 1
    if problems := _violations(page) + (_too_wide(page) if width < 500 else []):
        found["organisation login offer"] = problems
    visitor.close()

    contact = new_context(
        browser,
        live_server,
        language=language,
        width=width,
        session=walk.organisation_login_session,
        bypass_csp=True,
    )
    # The page sends the browser on to the provider at once; a navigation dropped as aborted
    # leaves it on the page, to be checked.
    contact.route("https://login.vreeburg.example/**", lambda route: route.abort("aborted"))
    page = contact.new_page()
    page.goto(live_server.url + "/issues/")
    with page.expect_event("requestfailed", lambda request: "vreeburg.example" in request.url):
        page.locator('form[action="/accounts/logout/"]').evaluate("form => form.requestSubmit()")
    page.wait_for_load_state()
    assert page.url == live_server.url + "/accounts/logout/"
    assert page.locator("a.button", has_text="Gemeente Vreeburg").count() == 1
    if problems := _violations(page) + (_too_wide(page) if width < 500 else []):
        found["organisation logout"] = problems
    contact.close()
    assert not found, _report(found)
