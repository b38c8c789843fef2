"""soporte: the Bolt app. `python app.py` runs the whole desk locally; see README.md."""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import threading
from concurrent.futures import Executor, ThreadPoolExecutor
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.adapters import health, http_guard, preflight
from bot.composition import Runtime, build_runtime, slack_client, utcnow
from handlers import clicks, commands, common, escalation, home, permissions, triage, webhook

log = logging.getLogger("soporte")
JSON = "application/json"


class _WithoutBody(logging.Filter):
    """Bolt logs the whole body of a request whose signature fails: keep only the verdict."""

    def filter(self, record: logging.LogRecord) -> bool:
        if "signature" in str(record.msg):
            record.msg, record.args = "Invalid request signature detected (body not logged)", ()
        return True


logging.getLogger("slack_bolt.RequestVerification").addFilter(_WithoutBody())


class DeskApp(App):
    """Bolt's App whose every listener answers a Redis outage itself (answers_outages)."""

    def _register_listener(self, functions: Any, *args: Any, **kwargs: Any) -> Any:
        shielded = [common.answers_outages(f) for f in functions]
        return super()._register_listener(shielded, *args, **kwargs)


def create_app(rt: Runtime, listener_executor: Executor | None = None) -> App:
    """The Bolt app with every listener registered. Over HTTP it is served only behind
    `create_wsgi`, whose guard checks every request's signature before Bolt sees it (Bolt's
    own check is off: the guard hands it a click's payload already decoded)."""
    app = DeskApp(
        name="app.py",  # the name Bolt would find for itself, at the cost of an inspect.stack()
        signing_secret=rt.settings.slack_signing_secret,
        request_verification_enabled=False,
        client=slack_client(rt.settings),
        process_before_response=False,
        listener_executor=listener_executor or ThreadPoolExecutor(max_workers=16),
    )
    app.error(common.on_listener_error)
    app.use(permissions.middleware(rt))
    app.use(clicks.middleware(rt))
    triage.register(app, rt)
    escalation.register(app, rt)
    commands.register(app, rt)
    home.register(app, rt)
    return app


def create_wsgi(rt: Runtime, app: App | None = None) -> Any:
    """WSGI entry: Slack at /slack/events, Zendesk at /zendesk/webhook, /healthz.

    Every POST body goes through bot.adapters.http_guard first: bounded, signed and well-formed, or
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
                    health.desk_health(rt.worker_queues(), rt.settings.intake_interval)
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
    """For gunicorn: `gunicorn 'app:wsgi_from_env()'`. A wrong setting stops the worker
    with one line per problem (gunicorn then halts: "App failed to load")."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
    try:
        preflight.local_problems(os.environ)
    except preflight.StartupRefused as refused:
        print(refused.report(), file=sys.stderr)
        sys.exit(4)
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


def socket_mode_handler(
    rt: Runtime, app: App | None = None, *, ping_interval: float = 10
) -> SocketModeHandler:
    """The Bolt app behind a Socket Mode connection: the app-level token opens the WebSocket
    through `apps.connections.open` at SLACK_API_URL, and the client reconnects by itself when
    Slack refreshes or drops the connection."""
    app = app or create_app(rt)
    return SocketModeHandler(
        app, rt.settings.slack_app_token, web_client=app.client, ping_interval=ping_interval
    )


def serve_socket_mode(rt: Runtime) -> None:
    """The `socket` process: hold the WebSocket to Slack until SIGTERM or SIGINT."""
    if not rt.settings.slack_app_token:
        raise preflight.StartupRefused(
            ["SLACK_APP_TOKEN is not set: Socket Mode needs the app-level token (xapp-…)"]
        )
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    handler = socket_mode_handler(rt)
    handler.connect()
    log.info("Socket Mode connected")
    stop.wait()
    log.info("Socket Mode stopping")
    handler.close()


USAGE = "usage: python app.py [desk | check | socket]"


def main(argv: list[str] | None = None) -> int:
    """`desk` (the default, `./run app`): check, then run every process under supervisor;
    `check`: only the start-up checks; `socket`: the Socket Mode process of the Procfile."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    args = sys.argv[1:] if argv is None else argv
    command = args[0] if args else "desk"
    if command not in ("desk", "check", "socket") or len(args) > 1:
        print(USAGE, file=sys.stderr)
        return 2
    env = dict(os.environ)
    try:
        checked = preflight.local_problems(env)
        if command == "socket":
            serve_socket_mode(build_runtime(env))
            return 0
        problems = preflight.service_problems(checked, port=command == "desk")
        if problems:
            raise preflight.StartupRefused(problems)
        if command == "check":
            print("soporte: every start-up check passed")
            return 0
        from bot.adapters.supervision import run_desk

        data = Path(env.get("SOPORTE_DATA") or ".soporte-data").resolve()
        s = checked.settings
        return run_desk(env, data, s.redis_url, s.port, s.start_retries)
    except preflight.StartupRefused as refused:
        print(refused.report(), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
