"""soporte: the Bolt app. `python app.py` runs the whole desk locally; see README.md."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
from concurrent.futures import Executor, ThreadPoolExecutor
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot import health, http_guard
from bot.catalog import CatalogError
from bot.config import ConfigError, load_settings
from bot.runtime import Runtime, build_runtime, slack_client, utcnow
from handlers import commands, common, escalation, home, triage, webhook

log = logging.getLogger("soporte")
JSON = "application/json"


class _WithoutBody(logging.Filter):
    """Bolt logs the whole body of a request whose signature fails: keep only the verdict."""

    def filter(self, record: logging.LogRecord) -> bool:
        if "signature" in str(record.msg):
            record.msg, record.args = "Invalid request signature detected (body not logged)", ()
        return True


logging.getLogger("slack_bolt.RequestVerification").addFilter(_WithoutBody())


def create_app(rt: Runtime, listener_executor: Executor | None = None) -> App:
    """The Bolt app with every listener registered."""
    app = App(
        signing_secret=rt.settings.slack_signing_secret,
        client=slack_client(rt.settings),
        process_before_response=False,
        listener_executor=listener_executor or ThreadPoolExecutor(max_workers=16),
    )
    app.error(common.on_listener_error)
    triage.register(app, rt)
    escalation.register(app, rt)
    commands.register(app, rt)
    home.register(app, rt)
    return app


def create_wsgi(rt: Runtime, app: App | None = None) -> Any:
    """WSGI entry: Slack at /slack/events, Zendesk at /zendesk/webhook, /healthz.

    Every POST body goes through bot.http_guard first: bounded, signed and well-formed, or
    refused with a quiet 4xx before Bolt (or the webhook) reads a byte of it.
    """
    slack = SlackRequestHandler(app or create_app(rt))
    secret = rt.settings.slack_signing_secret

    def respond(start_response: Any, status: int, body: bytes, kind: str) -> list[bytes]:
        start_response(
            f"{status} {http_guard.REASONS.get(status, 'OK')}",
            [("Content-Type", kind), ("Content-Length", str(len(body)))],
        )
        return [body]

    def wsgi(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
        try:
            if path == "/healthz" and method in ("GET", "HEAD"):
                status, report = health.report(
                    health.desk_health(rt.queue, rt.settings.intake_interval)
                )
                return respond(start_response, status, json.dumps(report).encode(), JSON)
            if path not in ("/slack/events", "/zendesk/webhook"):
                raise http_guard.Refused(404, "unknown path")
            if method != "POST":
                raise http_guard.Refused(405, f"{method} not allowed")
            if path == "/slack/events":
                return slack(http_guard.guard_slack(secret, environ), start_response)
            body = http_guard.read_body(environ)
            headers = http_guard.headers_of(environ)
            status, text = webhook.handle(rt, headers, body, utcnow())
            return respond(start_response, status, text.encode(), "text/plain; charset=utf-8")
        except http_guard.Refused as refusal:
            return http_guard.refuse(start_response, environ, refusal)

    return wsgi


def wsgi_from_env() -> Any:
    """For gunicorn: `gunicorn 'app:wsgi_from_env()'`."""
    logging.basicConfig(level=logging.INFO)
    return create_wsgi(build_runtime())


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    timeout = http_guard.READ_TIMEOUT  # a body that never arrives does not hold a thread

    def log_message(self, format: str, *args: Any) -> None:
        log.debug(format, *args)


def serve_http(wsgi: Any, port: int, host: str = "0.0.0.0") -> WSGIServer:
    """A threaded HTTP server for the WSGI app (local runs and tests; gunicorn in production)."""
    return make_server(host, port, wsgi, _ThreadingWSGIServer, handler_class=_QuietHandler)


def _start_embedded_redis(env: dict[str, str]) -> Any:
    from bot.embedded_redis import EmbeddedRedis

    server = EmbeddedRedis(Path(env.get("SOPORTE_DATA", ".soporte-data")) / "redis").start()
    env["REDIS_URL"] = server.url
    os.environ["REDIS_URL"] = server.url
    log.info("embedded Redis (Valkey) at %s", server.url)
    return server


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    env = dict(os.environ)
    try:
        settings = load_settings(env)
        from bot.catalog import load_catalog

        load_catalog(settings.catalog_path)
    except (ConfigError, CatalogError) as exc:
        print(f"soporte cannot start:\n{exc}", file=sys.stderr)
        return 2
    redis_server = None if settings.redis_url else _start_embedded_redis(env)
    children = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "rq.cli",
                "worker",
                "-w",
                "workers.worker.DeskWorker",
                "--with-scheduler",
                "--maintenance-interval",
                "30",
                "--url",
                env["REDIS_URL"],
                "soporte",
            ],
            env=env,
        ),
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "rq.cli",
                "cron",
                "--url",
                env["REDIS_URL"],
                "workers/cron_config.py",
            ],
            env=env,
        ),
    ]
    rt = build_runtime(env)
    app = create_app(rt)
    try:
        if settings.socket_mode:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            log.info("Socket Mode; Zendesk webhook on port %s", settings.port)
            http = serve_http(create_wsgi(rt, app), settings.port)
            import threading

            threading.Thread(target=http.serve_forever, daemon=True).start()
            SocketModeHandler(app, settings.slack_app_token).start()
        else:
            log.info("HTTP mode on port %s (/slack/events, /zendesk/webhook)", settings.port)
            serve_http(create_wsgi(rt, app), settings.port).serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        for child in children:
            child.send_signal(signal.SIGTERM)
        for child in children:
            child.wait(timeout=30)
        if redis_server:
            redis_server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
