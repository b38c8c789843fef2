"""Pure helpers: config, plain text, Slack context, modal input, webhook checks, replies."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from blocks import ids
from bot.adapters.catalog_reader import load_catalog
from bot.adapters.settings import ConfigError, load_settings, parse_duration
from bot.domain.button_values import BadContext, ModalContext, parse_ticket_value, ticket_value
from bot.domain.case import Ticket
from bot.domain.catalog import Catalog, Person
from bot.domain.plain_text import EXCERPT_LIMIT, excerpt, plain_text
from bot.domain.user_replies import (
    refer_to_person,
    unsupported_product,
    window_days,
    with_closing_window,
)
from handlers.modal_input import MAX_TEXT, ModalInput
from handlers.webhook import signature, ticket_id_of, verify

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)

# --- bot/adapters/settings.py ------

SECRETS = {
    "SLACK_BOT_TOKEN": "xoxb-very-secret-bot-token",
    "SLACK_SIGNING_SECRET": "signing-secret-value",
    "SLACK_APP_TOKEN": "xapp-very-secret-app-token",
    "ZENDESK_TOKEN": "zendesk-secret-api-token",
    "ZENDESK_WEBHOOK_SECRET": "zendesk-webhook-secret-value",
}
REQUIRED = ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "ZENDESK_EMAIL", "ZENDESK_TOKEN"]


def base_env(**changes: str) -> dict[str, str]:
    env = {
        "SLACK_BOT_TOKEN": SECRETS["SLACK_BOT_TOKEN"],
        "SLACK_SIGNING_SECRET": SECRETS["SLACK_SIGNING_SECRET"],
        "ZENDESK_SUBDOMAIN": "acme",
        "ZENDESK_EMAIL": "bot@acme.com",
        "ZENDESK_TOKEN": SECRETS["ZENDESK_TOKEN"],
    }
    env.update(changes)
    return env


def test_load_settings_minimal_defaults() -> None:
    settings = load_settings(base_env())
    assert settings.zendesk_url == "https://acme.zendesk.com"
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.resolution_window == timedelta(days=7)
    assert settings.port == 3000
    assert settings.redis_url is None
    assert settings.zendesk_webhook_secret is None
    assert not settings.socket_mode


def test_all_missing_variables_named_in_one_message_pointing_to_manifest() -> None:
    with pytest.raises(ConfigError) as info:
        load_settings({})
    message = str(info.value)
    for name in [*REQUIRED, "ZENDESK_SUBDOMAIN"]:
        assert name in message
    assert "ZENDESK_URL" in message
    assert "manifest.json" in message
    assert message.count("Missing environment variables") == 1


@pytest.mark.parametrize("name", REQUIRED)
def test_one_missing_variable_is_named(name: str) -> None:
    env = base_env()
    env[name] = ""  # empty counts as missing
    with pytest.raises(ConfigError, match=name) as info:
        load_settings(env)
    others = [other for other in REQUIRED if other != name]
    assert not any(other in str(info.value).split("\n")[0] for other in others)
    assert "manifest.json" in str(info.value)


def test_zendesk_url_wins_over_subdomain_and_loses_trailing_slash() -> None:
    settings = load_settings(base_env(ZENDESK_URL="http://127.0.0.1:8123/"))
    assert settings.zendesk_url == "http://127.0.0.1:8123"


def test_zendesk_url_alone_is_enough() -> None:
    env = base_env(ZENDESK_URL="https://zd.example.test")
    del env["ZENDESK_SUBDOMAIN"]
    assert load_settings(env).zendesk_url == "https://zd.example.test"


def test_neither_zendesk_url_nor_subdomain() -> None:
    env = base_env()
    del env["ZENDESK_SUBDOMAIN"]
    with pytest.raises(ConfigError, match=r"ZENDESK_SUBDOMAIN \(or ZENDESK_URL\)"):
        load_settings(env)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("7d", timedelta(days=7)),
        ("36h", timedelta(hours=36)),
        ("90s", timedelta(seconds=90)),
        ("2w", timedelta(weeks=2)),
        ("10", timedelta(seconds=10)),
        ("5m", timedelta(minutes=5)),
        (" 1.5h ", timedelta(minutes=90)),
    ],
)
def test_durations(raw: str, expected: timedelta) -> None:
    assert parse_duration(raw, "RESOLUTION_WINDOW") == expected
    settings = load_settings(base_env(RESOLUTION_WINDOW=raw))
    assert settings.resolution_window == expected


@pytest.mark.parametrize("raw", ["0", "0s", "-1", "abc", "7 days", "7x"])
def test_durations_refused(raw: str) -> None:
    with pytest.raises(ConfigError, match="RESOLUTION_WINDOW"):
        parse_duration(raw, "RESOLUTION_WINDOW")
    with pytest.raises(ConfigError, match="RESOLUTION_WINDOW"):
        load_settings(base_env(RESOLUTION_WINDOW=raw))


def test_empty_duration_means_the_default() -> None:
    with pytest.raises(ConfigError):
        parse_duration("", "RESOLUTION_WINDOW")
    assert load_settings(base_env(RESOLUTION_WINDOW="")).resolution_window == timedelta(days=7)


def test_bad_port_refused() -> None:
    with pytest.raises(ConfigError, match="PORT"):
        load_settings(base_env(PORT="http"))


def test_slack_api_url_gets_a_trailing_slash_and_app_token_means_socket_mode() -> None:
    settings = load_settings(
        base_env(SLACK_API_URL="http://127.0.0.1:9000/api", SLACK_APP_TOKEN="xapp-1")
    )
    assert settings.slack_api_url == "http://127.0.0.1:9000/api/"
    assert settings.socket_mode


def test_secrets_are_not_in_repr() -> None:
    settings = load_settings(base_env(**SECRETS))
    text = repr(settings)
    for name, secret in SECRETS.items():
        assert secret not in text, name
    assert "acme.zendesk.com" in text  # the repr still says something useful


def test_redis_password_is_not_in_repr() -> None:
    settings = load_settings(base_env(REDIS_URL="redis://:redis-password-xyz@db.example:6379/0"))
    assert "redis-password-xyz" not in repr(settings)


# --- bot/domain/plain_text.py ------

HTML_MAIL = """\
<html><head>
<style>p { color: red; } .x { font-family: Arial; }</style>
<script type="text/javascript">alert("hola");</script>
</head><body>
<p>Hola equipo&nbsp;de soporte:</p>
<div>No puedo entrar a Pulso &amp; tampoco al portal &lt;transparencia&gt;.</div>
<p>Gracias,<br>Mar&iacute;a &#8212; Municipalidad</p>
</body></html>
"""


def test_html_mail_becomes_text() -> None:
    text = plain_text(HTML_MAIL)
    assert "<" not in text.replace("<transparencia>", "")
    assert "Hola equipo" in text
    assert "Pulso & tampoco al portal <transparencia>." in text
    assert "María — Municipalidad" in text
    assert "Gracias,\nMaría" in text  # <br> is a line break


def test_script_and_style_are_dropped() -> None:
    text = plain_text(HTML_MAIL)
    for leftover in ("alert", "color: red", "font-family", "javascript"):
        assert leftover not in text


def test_entities_in_plain_text_are_decoded() -> None:
    assert plain_text("Tom &amp; Jerry &eacute;xito") == "Tom & Jerry éxito"


def test_plain_text_that_only_looks_odd_is_kept() -> None:
    assert plain_text("si a < b y c > d, ok") == "si a < b y c > d, ok"


def test_blank_runs_are_collapsed() -> None:
    assert plain_text("uno   dos\t\ttres\n\n\n\ncuatro \n") == "uno dos tres\n\ncuatro"
    assert plain_text("<p>uno</p>\n\n\n<p>dos</p>") == "uno\n\ndos"


@pytest.mark.parametrize("body", [None, "", "   \n\t "])
def test_empty_bodies(body: str | None) -> None:
    assert plain_text(body) == ""
    assert excerpt(body) == ""


@pytest.mark.parametrize(
    "body",
    ["x" * 50_000, "palabra " * 6_250, "<p>" + "texto largo " * 4_200 + "</p>"],
    ids=["one-word", "words", "html"],
)
def test_excerpt_of_a_long_body_fits_the_limit(body: str) -> None:
    assert len(body) >= 50_000
    short = excerpt(body)
    assert len(short) <= EXCERPT_LIMIT
    assert short.endswith("…")
    small = excerpt(body, limit=100)
    assert len(small) <= 100
    assert small.endswith("…")


def test_short_excerpt_is_the_whole_text() -> None:
    assert excerpt("<p>Hola</p>") == "Hola"
    exact = "a" * EXCERPT_LIMIT
    assert excerpt(exact) == exact


# --- bot/domain/button_values.py ------


@pytest.mark.parametrize("decision", ["escalate", "resolve_with_action", "ñandú «x»"])
def test_modal_context_round_trip(decision: str) -> None:
    context = ModalContext(ticket_id=4321, decision=decision)
    raw = context.encode()
    assert len(raw) < 3000  # private_metadata limit
    assert ModalContext.decode(raw) == context


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "garbage",
        "{",
        "null",
        "[]",
        "123",
        '"text"',
        "{}",
        '{"ticket_id": 1}',
        '{"decision": "escalate"}',
        '{"ticket_id": "abc", "decision": "escalate"}',
        '{"ticket_id": null, "decision": "escalate"}',
        '{"ticket_id": [1], "decision": "escalate"}',
    ],
)
def test_modal_context_garbage_raises_bad_context(raw: str) -> None:
    with pytest.raises(BadContext):
        ModalContext.decode(raw)


def test_bad_context_is_a_value_error_with_a_short_excerpt() -> None:
    with pytest.raises(ValueError, match="private_metadata") as info:
        ModalContext.decode("x" * 5000)
    assert len(str(info.value)) < 200


def test_ticket_value_round_trip() -> None:
    assert parse_ticket_value(ticket_value(4321)) == 4321


@pytest.mark.parametrize("raw", ["", "abc", "0", "-5", "1.5", "12a", None, "9" * 5000])
def test_parse_ticket_value_refusals(raw) -> None:
    # "9" * 5000: int() refuses over 4300 digits with ValueError, a refusal all the same
    with pytest.raises(BadContext):
        parse_ticket_value(raw)


# --- handlers/modal_input.py ------


def view_with(block_id: str, element: dict) -> dict:
    return {"state": {"values": {block_id: {block_id: element}}}}


@pytest.mark.parametrize(
    "element", [{}, {"value": None}, {"value": ""}, {"value": "   \n\t  "}], ids=str
)
def test_required_text_empty_or_blank_is_refused(element: dict) -> None:
    form = ModalInput(view_with("summary", element))
    assert form.text("summary", required=True, what="el resumen") == ""
    assert not form.ok
    assert form.errors == {"summary": "Escribe el resumen: no puede quedar vacío."}


def test_optional_text_may_be_empty() -> None:
    form = ModalInput(view_with("notes", {"value": "  "}))
    assert form.text("notes", required=False, what="las notas") == ""
    assert form.ok


def test_text_is_stripped() -> None:
    form = ModalInput(view_with("summary", {"value": "  listo \n"}))
    assert form.text("summary", required=True, what="el resumen") == "listo"
    assert form.ok


@pytest.mark.parametrize("required", [True, False])
def test_too_long_text_is_refused_in_spanish(required: bool) -> None:
    form = ModalInput(view_with("summary", {"value": "a" * (MAX_TEXT + 1)}))
    form.text("summary", required=required, what="el resumen")
    assert not form.ok
    assert form.errors["summary"] == ("Es demasiado largo (3.001 caracteres); el máximo es 3.000.")


def test_text_at_the_limit_is_accepted() -> None:
    form = ModalInput(view_with("summary", {"value": "a" * MAX_TEXT}))
    assert len(form.text("summary", required=True, what="el resumen")) == MAX_TEXT
    assert form.ok


@pytest.mark.parametrize(
    "element",
    [{}, {"selected_option": None}, {"selected_option": {}}, {"selected_option": {"value": ""}}],
    ids=str,
)
def test_selected_option_missing(element: dict) -> None:
    form = ModalInput(view_with("procedure", element))
    assert not form.selected("procedure", what="un procedimiento")
    assert form.errors == {"procedure": "Elige un procedimiento."}


def test_selected_option_present() -> None:
    form = ModalInput(view_with("procedure", {"selected_option": {"value": "reset-password"}}))
    assert form.selected("procedure", what="un procedimiento") == "reset-password"
    assert form.ok


@pytest.mark.parametrize(
    "element",
    [
        {},
        {"selected_options": None},
        {"selected_options": []},
        {"selected_options": [{"value": "something-else"}]},
    ],
    ids=str,
)
def test_checkbox_not_checked(element: dict) -> None:
    message = "Confirma que verificaste el resultado."
    form = ModalInput(view_with("confirm", element))
    assert form.confirmed("confirm", what=message) is False
    assert form.errors == {"confirm": message}


def test_checkbox_checked() -> None:
    form = ModalInput(view_with("confirm", {"selected_options": [{"value": ids.CHECKED_VALUE}]}))
    assert form.confirmed("confirm", what="Confirma.") is True
    assert form.ok


def test_empty_view_and_refuse() -> None:
    form = ModalInput({})
    assert form.values == {}
    assert form.ok
    form.refuse("when", "No entiendo esa fecha.")
    assert form.errors == {"when": "No entiendo esa fecha."}
    assert not form.ok


# --- handlers/webhook.py ------

SECRET = "zendesk-webhook-secret"
BODY = b'{"ticket_id": "123"}'
STAMP = "2026-03-02T12:00:00Z"


def headers_for(body: bytes = BODY, stamp: str = STAMP, secret: str = SECRET) -> dict[str, str]:
    return {
        "x-zendesk-webhook-signature": signature(secret, stamp, body),
        "x-zendesk-webhook-signature-timestamp": stamp,
    }


def test_signature_is_base64_hmac_sha256_of_timestamp_and_body() -> None:
    import base64
    import hashlib
    import hmac

    expected = base64.b64encode(
        hmac.new(SECRET.encode(), STAMP.encode() + BODY, hashlib.sha256).digest()
    ).decode()
    assert signature(SECRET, STAMP, BODY) == expected
    assert signature(SECRET, STAMP, BODY) != signature(SECRET, STAMP, BODY + b" ")


def test_verify_good_signature() -> None:
    assert verify(SECRET, headers_for(), BODY, NOW)
    assert verify(SECRET, headers_for(), BODY, NOW + timedelta(minutes=59))


def test_verify_wrong_secret() -> None:
    assert not verify(SECRET, headers_for(secret="another-secret"), BODY, NOW)


def test_verify_body_edited() -> None:
    assert not verify(SECRET, headers_for(), b'{"ticket_id": "124"}', NOW)


def test_verify_timestamp_edited() -> None:
    headers = headers_for()
    headers["x-zendesk-webhook-signature-timestamp"] = "2026-03-02T12:00:01Z"
    assert not verify(SECRET, headers, BODY, NOW)


@pytest.mark.parametrize(
    "drop",
    ["x-zendesk-webhook-signature", "x-zendesk-webhook-signature-timestamp", "both"],
)
def test_verify_missing_headers(drop: str) -> None:
    headers = headers_for()
    for key in list(headers):
        if drop in (key, "both"):
            del headers[key]
    assert not verify(SECRET, headers, BODY, NOW)


def test_verify_empty_header_values() -> None:
    headers = {"x-zendesk-webhook-signature": "", "x-zendesk-webhook-signature-timestamp": ""}
    assert not verify(SECRET, headers, BODY, NOW)


@pytest.mark.parametrize("offset", [timedelta(hours=2), timedelta(hours=-2)], ids=["old", "future"])
def test_verify_timestamp_out_of_range(offset: timedelta) -> None:
    stamp = (NOW - offset).isoformat()
    assert not verify(SECRET, headers_for(stamp=stamp), BODY, NOW)


@pytest.mark.parametrize("stamp", ["yesterday", "2026-13-45T99:00:00Z", "1709380800"])
def test_verify_unparseable_timestamp(stamp: str) -> None:
    assert not verify(SECRET, headers_for(stamp=stamp), BODY, NOW)


def test_verify_naive_timestamp_is_read_as_utc() -> None:
    stamp = "2026-03-02T11:59:00"
    assert verify(SECRET, headers_for(stamp=stamp), BODY, NOW)


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"ticket_id": "123"}, 123),
        ({"ticket_id": 123}, 123),
        ({"detail": {"id": "123"}}, 123),
        ({"detail": {"id": 123}, "type": "zen:event-type:ticket.created"}, 123),
        ({"ticket": {"id": "77"}}, 77),
        ({"ticket_id": "", "detail": {"id": "55"}}, 55),
    ],
)
def test_ticket_id_of(payload, expected: int) -> None:
    assert ticket_id_of(payload) == expected
    assert ticket_id_of(json.loads(json.dumps(payload))) == expected


@pytest.mark.parametrize(
    "payload",
    [
        None,
        "123",
        123,
        [],
        ["ticket_id", "123"],
        {},
        {"ticket_id": None},
        {"ticket_id": "abc"},
        {"ticket_id": "0"},
        {"ticket_id": 0},
        {"ticket_id": "-5"},
        {"ticket_id": -5},
        {"ticket_id": "1.5"},
        {"ticket_id": 1.5},
        {"ticket_id": True},
        {"ticket_id": ["123"]},
        {"ticket_id": {"id": "123"}},
        {"detail": "123"},
        {"detail": None},
        {"detail": {"id": "abc"}},
        {"detail": {}},
        {"ticket": "123"},
    ],
    ids=repr,
)
def test_ticket_id_of_garbage_is_none(payload) -> None:
    assert ticket_id_of(payload) is None


@pytest.mark.parametrize("value", ["²", "1²", "①"])
def test_ticket_id_of_unicode_digit_garbage_is_none(value: str) -> None:
    assert ticket_id_of({"ticket_id": value}) is None


# --- bot/domain/user_replies.py ------

MULTI_ORG = 360000001  # Pulso + Portal de Transparencia
SINGLE_ORG = 360000002  # Monitor Mercado Público only


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(ROOT / "catalog.example.toml")


def make_ticket(organization_id: int | None = MULTI_ORG, name: str | None = "Ana Soto") -> Ticket:
    return Ticket(
        id=4321,
        subject="No puedo entrar",
        requester_id=99,
        requester_name=name,
        requester_email="ana.soto@muni.cl",
        organization_id=organization_id,
        organization_name="Municipalidad de Ejemplo",
        excerpt="Hola",
        created_at=NOW,
        url="https://unholster.zendesk.com/agent/tickets/4321",
    )


@pytest.mark.parametrize(
    ("window", "words"),
    [
        (timedelta(days=7), "7 días"),
        (timedelta(days=1), "1 día"),
        (timedelta(hours=2), "2 horas"),
        (timedelta(hours=1), "1 hora"),
        (timedelta(hours=36), "36 horas"),
        (timedelta(weeks=2), "14 días"),
        (timedelta(seconds=90), "1 hora"),
    ],
)
def test_window_days(window: timedelta, words: str) -> None:
    assert window_days(window) == words


def test_refer_to_person_with_a_person(catalog: Catalog) -> None:
    person = catalog.person("maria gonzalez")
    assert person == Person("María González", "maria.gonzalez@unholster.com")
    text = refer_to_person(catalog, make_ticket(), person)
    assert text.startswith("Hola Ana:")
    assert "María González" in text
    assert "maria.gonzalez@unholster.com" in text
    assert catalog.general_contact not in text


def test_refer_to_person_without_a_person_gives_the_general_contact(catalog: Catalog) -> None:
    text = refer_to_person(catalog, make_ticket(), None)
    assert text.startswith("Hola Ana:")
    assert "contacto@unholster.com" in text
    assert catalog.general_contact == "contacto@unholster.com"
    assert "María" not in text


def test_refer_to_person_without_a_requester_name(catalog: Catalog) -> None:
    assert refer_to_person(catalog, make_ticket(name=None), None).startswith("Hola estimado/a:")


def product_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("• ")]


def test_unsupported_product_lists_exactly_the_orgs_products(catalog: Catalog) -> None:
    text = unsupported_product(catalog, make_ticket(MULTI_ORG))
    assert product_lines(text) == [
        "• Pulso: https://docs.unholster.com/pulso",
        "• Portal de Transparencia: https://docs.unholster.com/portal-transparencia",
    ]
    assert "Mercado Público" not in text


def test_unsupported_product_for_a_single_product_org(catalog: Catalog) -> None:
    text = unsupported_product(catalog, make_ticket(SINGLE_ORG))
    assert product_lines(text) == [
        "• Monitor Mercado Público: https://docs.unholster.com/mercado-publico"
    ]
    assert "Pulso" not in text


@pytest.mark.parametrize("org", [None, 999], ids=["no-org", "unknown-org"])
def test_unsupported_product_for_an_unknown_org_lists_nothing(catalog: Catalog, org) -> None:
    text = unsupported_product(catalog, make_ticket(org))
    assert product_lines(text) == ["• (su organización no tiene productos con soporte vigente)"]
    for product in catalog.products.values():
        assert product.name not in text


def test_with_closing_window_appends_the_closing_text(catalog: Catalog) -> None:
    body = "Hola Ana:\n\nYa restablecimos su contraseña.\n\n\n"
    text = with_closing_window(body, catalog, timedelta(days=7))
    assert text.startswith("Hola Ana:\n\nYa restablecimos su contraseña.\n\n")
    closing = text.removeprefix("Hola Ana:\n\nYa restablecimos su contraseña.\n\n")
    assert "7 días" in closing
    assert closing == catalog.templates.closing_window.format(days="7 días")
    assert "{days}" not in text


def test_with_closing_window_uses_the_window_length(catalog: Catalog) -> None:
    text = with_closing_window("Listo.", catalog, timedelta(hours=2))
    assert "2 horas" in text
    assert "7 días" not in text
