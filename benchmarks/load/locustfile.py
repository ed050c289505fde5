"""A working day on the desk for locust: contacts and staff at their everyday pages.

Reads the people and issues that ``benchmarks/load/run.py`` prepared from the JSON file in
``LOAD_PEOPLE``. Contacts (three in five users) browse their issue list, open issues, reply
and now and then file one through the portal; staff work the queue, open issues, reply and
take a few issues at once with the queue's bulk action. Every request is named after its
page kind, so that locust's statistics are a table per page kind.
"""

import itertools
import json
import os
import random
import re
import uuid

from locust import HttpUser, between, task

PEOPLE = json.loads(open(os.environ["LOAD_PEOPLE"]).read())  # noqa: SIM115
CONTACTS = itertools.cycle(PEOPLE["contacts"])
STAFF = itertools.cycle(PEOPLE["staff"])
CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


class _Person(HttpUser):
    abstract = True
    # A person reads a page, or works on something else, before the next click.
    wait_time = between(5, 20)

    def _log_in(self, person: dict) -> None:
        self.person = person
        self.client.cookies.set(PEOPLE["session_cookie"], person["session"])

    def _page(self, url: str, name: str) -> bytes:
        with self.client.get(url, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")
            return response.content or b""

    def _post(self, url: str, data: dict, name: str, csrf_from: bytes) -> None:
        token = CSRF.search(csrf_from)
        data = {**data, "csrfmiddlewaretoken": token.group(1).decode() if token else ""}
        headers = {"Referer": f"{self.host}{url}"}
        with self.client.post(
            url, data=data, name=name, headers=headers, allow_redirects=False, catch_response=True
        ) as response:
            # A form that was taken answers with a redirect to what it changed.
            if response.status_code not in (302, 303):
                response.failure(f"{response.status_code}")


class Contact(_Person):
    weight = 3

    def on_start(self):
        self._log_in(next(CONTACTS))

    def _issue(self) -> str:
        return random.choice(self.person["references"])

    @task(6)
    def browse_list(self):
        self._page("/issues/", "contact: issue list")

    @task(5)
    def open_issue(self):
        self._page(f"/issues/{self._issue()}/", "contact: issue page")

    @task(2)
    def reply(self):
        reference = self._issue()
        page = self._page(f"/issues/{reference}/", "contact: issue page")
        self._post(
            f"/issues/{reference}/reply/",
            {"body": "Bij ons gebeurt het nog steeds, ook na opnieuw inloggen."},
            "contact: reply",
            page,
        )

    @task(1)
    def file_issue(self):
        form = self._page("/issues/new/", "contact: new issue form")
        self._post(
            "/issues/new/",
            {
                "title": "Exportbestand is leeg",
                "description": "Sinds vanochtend bevat de export van zaken geen regels meer.",
                "category": "incident",
                "priority": "P3",
                "submission_token": str(uuid.uuid4()),
            },
            "contact: file issue",
            form,
        )


class Staff(_Person):
    weight = 2

    def on_start(self):
        self._log_in(next(STAFF))

    def _issue(self) -> int:
        return random.choice(self.person["issues"])

    @task(6)
    def work_queue(self):
        self._page("/admin/tickets/issue/", "staff: queue")

    @task(5)
    def open_issue(self):
        self._page(f"/admin/tickets/issue/{self._issue()}/change/", "staff: issue page")

    @task(2)
    def reply(self):
        url = f"/admin/tickets/issue/{self._issue()}/change/"
        page = self._page(url, "staff: issue page")
        self._post(
            url,
            {"_action": "reply", "reply-body": "We kijken ernaar en laten het vandaag weten."},
            "staff: reply",
            page,
        )

    @task(1)
    def bulk_assign(self):
        queue = self._page("/admin/tickets/issue/", "staff: queue")
        chosen = random.sample(self.person["issues"], 3)
        self._post(
            "/admin/tickets/issue/",
            {"action": "assign_to_me", "_selected_action": chosen, "index": "0"},
            "staff: bulk assign",
            queue,
        )
