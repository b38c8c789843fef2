"""soporte: the Bolt app. `python app.py` runs the whole desk locally; see README.md."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
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

from bot.catalog import CatalogError
from bot.config import ConfigError, load_settings
from bot.runtime import Runtime, build_runtime, slack_client, utcnow
from handlers import commands, escalation, home, triage, webhook

log = logging.getLogger("soporte")


def create_app(rt: Runtime, listener_executor: Executor | None = None) -> App:
    """The Bolt app with every listener registered."""
    app = App(
        signing_secret=rt.settings.slack_signing_secret,
        client=slack_client(rt.settings),
        process_before_response=False,
        listener_executor=listener_executor or ThreadPoolExecutor(max_workers=16),
    )
    triage.register(app, rt)
    escalation.register(app, rt)
    commands.register(app, rt)
    home.register(app, rt)
    return app


def create_wsgi(rt: Runtime, app: App | None = None) -> Any:
    """WSGI entry: Slack at /slack/events, Zendesk at /zendesk/webhook, /healthz."""
    slack = SlackRequestHandler(app or create_app(rt))

    def wsgi(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/zendesk/webhook" and environ.get("REQUEST_METHOD") == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length) if length else b""
            headers = {
                key[5:].replace("_", "-").lower(): value
                for key, value in environ.items()
                if key.startswith("HTTP_")
            }
            status, text = webhook.handle(rt, headers, body, utcnow())
            start_response(
                f"{status} {'OK' if status < 400 else 'Error'}",
                [("Content-Type", "text/plain; charset=utf-8")],
            )
            return [text.encode()]
        if path == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]
        return slack(environ, start_response)

    return wsgi


def wsgi_from_env() -> Any:
    """For gunicorn: `gunicorn 'app:wsgi_from_env()'`."""
    logging.basicConfig(level=logging.INFO)
    return create_wsgi(build_runtime())


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
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
        raise ConfigError("SLACK_APP_TOKEN is not set: Socket Mode needs the app-level token")
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    handler = socket_mode_handler(rt)
    handler.connect()
    log.info("Socket Mode connected")
    stop.wait()
    log.info("Socket Mode stopping")
    handler.close()


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
    from bot.zendesk import ZendeskGateway
    from bot.zendesk_account import account_problems

    zendesk = ZendeskGateway(settings.zendesk_url, settings.zendesk_email, settings.zendesk_token)
    problems = account_problems(zendesk, settings)
    if problems:
        print("soporte cannot start:\n" + "\n".join(problems), file=sys.stderr)
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
            log.info("Socket Mode; Zendesk webhook on port %s", settings.port)
            http = serve_http(create_wsgi(rt, app), settings.port)
            threading.Thread(target=http.serve_forever, daemon=True).start()
            serve_socket_mode(rt)
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
    if sys.argv[1:2] == ["socket"]:  # the Procfile's `socket` process
        logging.basicConfig(level=logging.INFO)
        serve_socket_mode(build_runtime())
        sys.exit(0)
    sys.exit(main())
