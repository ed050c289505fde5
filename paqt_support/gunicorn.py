"""gunicorn's settings for the web app: its worker processes share /metrics through a folder.

With ``PROMETHEUS_MULTIPROC_DIR`` set, prometheus_client writes each process's figures to
files there and /metrics adds them up, so any worker answers for all of them. The folder is
emptied when gunicorn starts, and a worker that exits is marked dead so its gauges go.
"""

import os
import shutil

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
accesslog = "-"


def on_starting(server):
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(directory, exist_ok=True)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
