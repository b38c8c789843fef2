"""The support catalogue: loading, validation errors (field, line, reason) and lookups."""

from __future__ import annotations

import string
from pathlib import Path

import pytest

from bot.adapters.catalog_fields import CatalogError
from bot.adapters.catalog_locate import SourceMap, field_name, locate
from bot.adapters.catalog_reader import load_catalog, parse_catalog
from bot.domain.catalog import (
    TEMPLATE_PLACEHOLDERS,
    TEMPLATE_REQUIRED,
    Catalog,
    Product,
    Templates,
    Tracker,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "catalog.example.toml"
SOURCE = Path("catalog.toml")

BASE = """\
[desk]
agents_channel = "C0AGENTS01"
agents = [
  "U0AGENT001",
  "U0AGENT002",
]
general_contact = "contacto@unholster.com"
timezone = "America/Santiago"

[products.pulso]
name = "Pulso"
channel = "C0PULSO001"
maintainers = ["U0MANT0001"]
docs_url = "https://docs.unholster.com/pulso"

  [[products.pulso.procedures]]
  key = "reset-password"
  title = "Restablecer contraseña"
  description = "Desde el panel de administración"

  [[products.pulso.procedures]]
  key = "unlock-account"
  title = "Desbloquear cuenta"

[products.mercado]
name = "Mercado"
channel = "C0MERCADO1"
maintainers = []
docs_url = "http://docs.unholster.com/mercado"

[organizations.acme]
zendesk_id = 101
name = "Acme"
products = ["mercado", "pulso"]

[organizations.beta]
zendesk_id = 102
name = "Beta"
products = []

[[people]]
name = "María González"
email = "maria@unholster.com"

[[people]]
name = "Juan Pérez"
email = "juan.perez@unholster.com"
"""


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """1-based line of the nth line containing `needle`."""
    hits = [n for n, line in enumerate(text.splitlines(), 1) if needle in line]
    return hits[nth - 1]


def parse(text: str) -> Catalog:
    return parse_catalog(text, SOURCE)


def error_for(text: str) -> CatalogError:
    with pytest.raises(CatalogError) as info:
        parse(text)
    return info.value


def edit(old: str, new: str, text: str = BASE) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


# The example catalogue and the lookups


def test_example_catalogue_loads():
    catalog = load_catalog(EXAMPLE)
    assert catalog.source == EXAMPLE
    assert catalog.agents_channel == "C0AGENTS01"
    assert len(catalog.agents) == 2
    assert catalog.general_contact == "contacto@unholster.com"
    assert catalog.timezone == "America/Santiago"
    assert set(catalog.products) == {"pulso", "mercado-publico", "portal-transparencia"}
    assert all(len(p.procedures) == 2 for p in catalog.products.values())
    assert len(catalog.organizations) == 3
    assert len({o.products for o in catalog.organizations.values()}) == 3
    assert len(catalog.people) == 3
    assert catalog.templates.refer_to_general_contact != Templates().refer_to_general_contact
    assert catalog.templates.closing_window == Templates().closing_window


def test_parsed_values():
    catalog = parse(BASE)
    assert catalog.agents == frozenset({"U0AGENT001", "U0AGENT002"})
    assert catalog.spam_suspends_requester is False
    assert catalog.zendesk_agent_url is None
    pulso = catalog.products["pulso"]
    assert pulso.maintainers == ("U0MANT0001",)
    assert [p.key for p in pulso.procedures] == ["reset-password", "unlock-account"]
    assert pulso.procedure("unlock-account").description == ""
    assert pulso.procedure("nope") is None
    assert catalog.products["mercado"].maintainers == ()
    assert catalog.templates == Templates()
    assert str(catalog.tz) == "America/Santiago"


def test_optional_desk_keys():
    text = edit(
        'timezone = "America/Santiago"\n',
        'timezone = "America/Santiago"\nspam_suspends_requester = true\n'
        'zendesk_agent_url = "https://acme.zendesk.com/agent/tickets"\n',
    )
    catalog = parse(text)
    assert catalog.spam_suspends_requester is True
    assert catalog.zendesk_agent_url == "https://acme.zendesk.com/agent/tickets/"


def test_products_for_organization():
    catalog = parse(BASE)
    assert [p.key for p in catalog.products_for_organization(101)] == ["mercado", "pulso"]
    assert catalog.products_for_organization(102) == ()
    assert catalog.products_for_organization(999) == ()
    assert catalog.products_for_organization(None) == ()
    assert catalog.organizations[101].key == "acme"


def test_person_lookup():
    catalog = parse(BASE)
    maria = catalog.person("María González")
    assert maria is not None and maria.email == "maria@unholster.com"
    assert catalog.person("  maria   gonzalez ") == maria
    assert catalog.person("MARIA@unholster.com") == maria
    assert catalog.person("Juan Perez").name == "Juan Pérez"
    assert catalog.person("Pedro") is None


def test_agents_products_and_maintainers():
    catalog = parse(BASE)
    assert catalog.is_agent("U0AGENT001")
    assert not catalog.is_agent("U0MANT0001")
    assert catalog.product("pulso").name == "Pulso"
    assert catalog.product("nope") is None
    assert catalog.product_by_channel("C0MERCADO1").key == "mercado"
    assert catalog.product_by_channel("C0AGENTS01") is None
    assert catalog.is_maintainer("pulso", "U0MANT0001")
    assert not catalog.is_maintainer("mercado", "U0MANT0001")
    assert not catalog.is_maintainer("nope", "U0MANT0001")


# Templates


@pytest.mark.parametrize("name", sorted(TEMPLATE_PLACEHOLDERS))
def test_default_templates_format_with_their_placeholders(name):
    template = getattr(Templates(), name)
    used = {f for _, f, _, _ in string.Formatter().parse(template) if f is not None}
    assert TEMPLATE_REQUIRED[name] <= used <= TEMPLATE_PLACEHOLDERS[name]
    values = {p: f"<{p}>" for p in TEMPLATE_PLACEHOLDERS[name]}
    rendered = template.format(**values)
    assert "{" not in rendered and "}" not in rendered
    if "requester" in TEMPLATE_PLACEHOLDERS[name]:
        assert rendered.startswith("Hola <requester>:")


def test_closing_window_mentions_the_days():
    text = Templates().closing_window.format(days="7 días")
    assert "7 días" in text and "resuelto" in text


def test_template_override():
    text = BASE + '\n[templates]\nclosing_window = """\nSi no responde en {days}, cerramos."""\n'
    catalog = parse(text)
    assert catalog.templates.closing_window == "Si no responde en {days}, cerramos."
    assert catalog.templates.wrong_recipient == Templates().wrong_recipient


@pytest.mark.parametrize(
    ("template", "reason"),
    [
        ('"Hola {nombre}: escriba a {email}"', "unknown placeholder {nombre}"),
        ('"Hola {}: escriba a {email}"', "unknown placeholder {}"),
        ('"Hola {requester.name}: {email}"', "unknown placeholder {requester.name}"),
        ('"Hola {requester}: escriba a contacto"', "missing placeholder {email}"),
        ('"Hola {requester: escriba a {email}"', "malformed template"),
        ('"Hola } {email}"', "malformed template"),
        ('"  "', "must not be empty"),
    ],
)
def test_bad_template(template, reason):
    text = BASE + f"\n[templates]\n# comment\nrefer_to_general_contact = {template}\n"
    error = error_for(text)
    assert error.field == "templates.refer_to_general_contact"
    assert error.line == line_of(text, "refer_to_general_contact =")
    assert reason in error.reason


def test_template_literal_braces_are_fine():
    text = BASE + '\n[templates]\nwrong_recipient = "Hola {requester} {{sic}}"\n'
    assert parse(text).templates.wrong_recipient.format(requester="Ana") == "Hola Ana {sic}"


def test_unknown_template_key():
    text = BASE + '\n[templates]\nwrong_recipent = "Hola"\n'
    error = error_for(text)
    assert error.field == "templates.wrong_recipent"
    assert error.line == line_of(text, "wrong_recipent")
    assert "did you mean 'wrong_recipient'" in error.reason


# Errors: file and syntax


def test_error_str_format():
    assert str(CatalogError("c.toml", 3, "desk.agents", "bad")) == "c.toml:3: desk.agents: bad"
    assert str(CatalogError("c.toml", None, "desk", "bad")) == "c.toml: desk: bad"
    assert str(CatalogError("c.toml", 2, "", "bad")) == "c.toml:2: bad"


def test_missing_file(tmp_path):
    with pytest.raises(CatalogError) as info:
        load_catalog(tmp_path / "nope.toml")
    assert info.value.line is None
    assert "not found" in info.value.reason
    assert str(info.value).startswith(str(tmp_path / "nope.toml"))


def test_unreadable_file(tmp_path):
    with pytest.raises(CatalogError) as info:
        load_catalog(tmp_path)
    assert "cannot read" in info.value.reason


def test_not_utf8(tmp_path):
    path = tmp_path / "c.toml"
    path.write_bytes(b'[desk]\nname = "\xff"\n')
    with pytest.raises(CatalogError) as info:
        load_catalog(path)
    assert info.value.line == 2
    assert "UTF-8" in info.value.reason


def test_syntax_error_has_line_and_column(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(edit('name = "Acme"', "name = Acme"), encoding="utf-8")
    with pytest.raises(CatalogError) as info:
        load_catalog(path)
    assert info.value.line == line_of(BASE, 'name = "Acme"')
    assert info.value.reason.startswith("invalid TOML: Invalid value")
    assert "column 8" in info.value.reason
    assert str(info.value).startswith(f"{path}:{info.value.line}: invalid TOML")


def test_syntax_error_at_end_of_document():
    error = error_for('[desk]\nagents = ["U0AGENT001",\n')
    assert error.line == 2
    assert "end of file" in error.reason


def test_duplicate_table_is_a_syntax_error():
    text = BASE + '\n[products.pulso]\nname = "Otra"\n'
    error = error_for(text)
    assert error.line == line_of(text, "[products.pulso]", 2)


# Errors: structure and types


def test_missing_required_key_points_at_its_table():
    text = edit('timezone = "America/Santiago"\n', "")
    error = error_for(text)
    assert (error.field, error.line) == ("desk.timezone", 1)
    assert error.reason == "missing required key"


def test_missing_required_key_in_organization():
    text = edit("zendesk_id = 102\n", "")
    error = error_for(text)
    assert error.field == "organizations.beta.zendesk_id"
    assert error.line == line_of(text, "[organizations.beta]")


def test_missing_desk():
    error = error_for(BASE[BASE.index("[products.pulso]") :])
    assert (error.field, error.line, error.reason) == ("desk", None, "missing required key")


@pytest.mark.parametrize(
    ("old", "new", "field", "reason"),
    [
        ("zendesk_id = 101", 'zendesk_id = "101"', "organizations.acme.zendesk_id", "string"),
        ("zendesk_id = 101", "zendesk_id = true", "organizations.acme.zendesk_id", "boolean"),
        ('name = "Pulso"', "name = 3", "products.pulso.name", "got an integer"),
        (
            'maintainers = ["U0MANT0001"]',
            'maintainers = "U0MANT0001"',
            "products.pulso.maintainers",
            "expected an array",
        ),
        (
            'general_contact = "contacto@unholster.com"',
            "general_contact = 1979-05-27",
            "desk.general_contact",
            "got a date",
        ),
    ],
)
def test_wrong_type(old, new, field, reason):
    text = edit(old, new)
    error = error_for(text)
    assert error.field == field
    assert error.line == line_of(text, new)
    assert "expected" in error.reason and reason in error.reason


def test_wrong_type_of_boolean():
    text = edit("[desk]\n", "[desk]\nspam_suspends_requester = 'no'\n")
    error = error_for(text)
    assert (error.field, error.line) == ("desk.spam_suspends_requester", 2)
    assert error.reason == "expected a boolean, got a string"


def test_people_must_be_array_of_tables():
    text = BASE[: BASE.index("[[people]]")] + '[people]\nname = "Ana"\n'
    error = error_for(text)
    assert (error.field, error.line) == ("people", line_of(text, "[people]"))
    assert error.reason == "expected an array, got a table"


@pytest.mark.parametrize(
    ("old", "new", "field", "needle", "allowed"),
    [
        ("[desk]\n", "[desk]\nagent = []\n", "desk.agent", "agent =", "did you mean 'agents'"),
        (
            'channel = "C0PULSO001"',
            'chanel = "C0PULSO001"',
            "products.pulso.chanel",
            "chanel =",
            "did you mean 'channel'",
        ),
        (
            'title = "Desbloquear cuenta"',
            'title = "D"\nsteps = 3',
            "products.pulso.procedures[1].steps",
            "steps =",
            "allowed keys: key, title, description",
        ),
        (
            'name = "Beta"',
            'name = "Beta"\nproduct = []',
            "organizations.beta.product",
            "product =",
            "allowed keys: zendesk_id, name, products",
        ),
        (
            'email = "juan.perez@unholster.com"',
            'email = "j@unholster.com"\nphone = "1"',
            "people[1].phone",
            "phone =",
            "allowed keys: name, email",
        ),
        (
            "[desk]\n",
            "[settings]\nx = 1\n[desk]\n",
            "settings",
            "[settings]",
            "allowed keys: desk, products, organizations, people, templates",
        ),
    ],
)
def test_unknown_keys(old, new, field, needle, allowed):
    text = edit(old, new)
    error = error_for(text)
    assert (error.field, error.line) == (field, line_of(text, needle))
    assert error.reason.startswith("unknown key; ")
    assert allowed in error.reason


# Errors: values


@pytest.mark.parametrize(
    ("old", "new", "field", "needle", "reason"),
    [
        (
            'agents_channel = "C0AGENTS01"',
            'agents_channel = "#agentes"',
            "desk.agents_channel",
            "agents_channel",
            "is not a Slack channel id",
        ),
        (
            'channel = "C0PULSO001"',
            'channel = "c0pulso001"',
            "products.pulso.channel",
            "c0pulso001",
            "is not a Slack channel id",
        ),
        ('  "U0AGENT002",', '  "maria",', "desk.agents[1]", '"maria"', "is not a Slack user id"),
        (
            'maintainers = ["U0MANT0001"]',
            'maintainers = ["U0MANT0001", "C0PULSO001"]',
            "products.pulso.maintainers[1]",
            "maintainers",
            "is not a Slack user id",
        ),
        (
            'general_contact = "contacto@unholster.com"',
            'general_contact = "contacto"',
            "desk.general_contact",
            "general_contact",
            "is not an e-mail address",
        ),
        (
            'email = "maria@unholster.com"',
            'email = "maria@unholster"',
            "people[0].email",
            "maria@unholster",
            "is not an e-mail address",
        ),
        (
            'email = "juan.perez@unholster.com"',
            'email = "juan perez@unholster.com"',
            "people[1].email",
            "juan perez",
            "is not an e-mail address",
        ),
        (
            'docs_url = "https://docs.unholster.com/pulso"',
            'docs_url = "docs.unholster.com/pulso"',
            "products.pulso.docs_url",
            "docs_url",
            "is not an http(s) URL",
        ),
        (
            'docs_url = "http://docs.unholster.com/mercado"',
            'docs_url = "ftp://x.cl/m"',
            "products.mercado.docs_url",
            "ftp://",
            "is not an http(s) URL",
        ),
        (
            'timezone = "America/Santiago"',
            'timezone = "Chile/Santiagoo"',
            "desk.timezone",
            "timezone",
            "unknown time zone",
        ),
        (
            'timezone = "America/Santiago"',
            'timezone = "../etc/passwd"',
            "desk.timezone",
            "timezone",
            "unknown time zone",
        ),
        (
            'agents = [\n  "U0AGENT001",\n  "U0AGENT002",\n]',
            "agents = []",
            "desk.agents",
            "agents = []",
            "at least one agent",
        ),
        (
            'name = "Mercado"',
            'name = " "',
            "products.mercado.name",
            'name = " "',
            "must not be empty",
        ),
        (
            'key = "unlock-account"',
            'key = "Unlock Account"',
            "products.pulso.procedures[1].key",
            "Unlock Account",
            "is not a procedure key",
        ),
        (
            'key = "unlock-account"',
            'key = "reset-password"',
            "products.pulso.procedures[1].key",
            'key = "reset-password"',
            "used twice in this product",
        ),
        ("zendesk_id = 102", "zendesk_id = -5", "organizations.beta.zendesk_id", "-5", "positive"),
        (
            'products = ["mercado", "pulso"]',
            'products = [\n  "mercado",\n  "pulzo",\n]',
            "organizations.acme.products[1]",
            '"pulzo"',
            "unknown product 'pulzo'",
        ),
    ],
)
def test_bad_values(old, new, field, needle, reason):
    text = edit(old, new)
    error = error_for(text)
    assert error.field == field
    expected = line_of(text, needle, 2 if needle == 'key = "reset-password"' else 1)
    assert error.line == expected
    assert reason in error.reason


def test_unknown_product_lists_the_known_ones():
    error = error_for(edit("products = []", 'products = ["nope"]'))
    assert error.reason == "unknown product 'nope'; known products: pulso, mercado"


def test_procedure_keys_may_repeat_across_products():
    text = edit(
        "[organizations.acme]",
        '  [[products.mercado.procedures]]\n  key = "reset-password"\n  title = "T"\n\n'
        "[organizations.acme]",
    )
    catalog = parse(text)
    assert catalog.products["mercado"].procedure("reset-password").title == "T"


def test_bad_product_key():
    text = edit("[products.mercado]", "[products.Mercado]")
    error = error_for(text)
    assert (error.field, error.line) == ("products.Mercado", line_of(text, "[products.Mercado]"))
    assert "a-z, 0-9" in error.reason


def test_no_products():
    text = BASE[: BASE.index("[products.pulso]")] + "[products]\n"
    error = error_for(text)
    assert (error.field, error.line) == ("products", line_of(text, "[products]"))
    assert "at least one product" in error.reason


def test_two_products_on_one_channel():
    text = edit('channel = "C0MERCADO1"', 'channel = "C0PULSO001"')
    error = error_for(text)
    assert error.field == "products.mercado.channel"
    assert error.line == line_of(text, 'channel = "C0PULSO001"', 2)
    assert error.reason == "C0PULSO001 is already used by products.pulso"


def test_product_on_the_agents_channel():
    text = edit('channel = "C0MERCADO1"', 'channel = "C0AGENTS01"')
    error = error_for(text)
    assert error.field == "products.mercado.channel"
    assert error.line == line_of(text, 'channel = "C0AGENTS01"', 2)
    assert "agents' channel" in error.reason


def test_duplicate_zendesk_id():
    text = edit("zendesk_id = 102", "zendesk_id = 101")
    error = error_for(text)
    assert error.field == "organizations.beta.zendesk_id"
    assert error.line == line_of(text, "zendesk_id = 101", 2)
    assert error.reason == "zendesk_id 101 is already used by organizations.acme"


def test_duplicate_person_name_ignores_case_and_accents():
    text = edit('name = "Juan Pérez"', 'name = "maria gonzalez"')
    error = error_for(text)
    assert error.field == "people[1].name"
    assert error.line == line_of(text, 'name = "maria gonzalez"')
    assert "listed twice" in error.reason


def test_quoted_keys_in_field_names():
    text = edit("[organizations.beta]", '[organizations."Beta S.A."]')
    text = edit("zendesk_id = 102", "zendesk_id = 101", text)
    error = error_for(text)
    assert error.field == 'organizations."Beta S.A.".zendesk_id'
    assert error.line == line_of(text, "zendesk_id = 101", 2)


# Trackers

TRACKER = """
[products.mercado.tracker]
kind = "github"
repo = "unholster/mercado.cl"
labels = ["soporte", "cliente: acme"]
"""


def with_tracker(table: str = TRACKER) -> str:
    return edit("[organizations.acme]", table.lstrip() + "\n[organizations.acme]")


def test_tracker():
    catalog = parse(with_tracker())
    tracker = Tracker("github", "unholster/mercado.cl", ("soporte", "cliente: acme"))
    assert catalog.products["mercado"].tracker == tracker
    assert catalog.products["pulso"].tracker is None


def test_tracker_inline_and_without_labels():
    text = edit(
        'docs_url = "https://docs.unholster.com/pulso"',
        'docs_url = "https://docs.unholster.com/pulso"\n'
        'tracker = { kind = "github", repo = "unholster/pulso" }',
    )
    assert parse(text).products["pulso"].tracker == Tracker("github", "unholster/pulso", ())


def test_product_tracker_defaults_to_none():
    assert Product("k", "K", "C0K0000001", (), "https://k.cl", ()).tracker is None


def test_example_tracker_is_valid_once_uncommented():
    text = EXAMPLE.read_text(encoding="utf-8")
    start = text.index("  # [products.pulso.tracker]")
    end = text.index("\n\n", start)
    block = text[start:end]
    catalog = parse_catalog(text.replace(block, block.replace("  # ", "")), EXAMPLE)
    assert catalog.products["pulso"].tracker == Tracker("github", "unholster/pulso", ("soporte",))


@pytest.mark.parametrize(
    ("old", "new", "field", "needle", "reason"),
    [
        (
            'kind = "github"',
            'kind = "pivotal"',
            "products.mercado.tracker.kind",
            "pivotal",
            "unknown tracker kind 'pivotal'; known kinds: github",
        ),
        (
            'repo = "unholster/mercado.cl"',
            'repo = "https://github.com/unholster/mercado"',
            "products.mercado.tracker.repo",
            "repo =",
            "is not a GitHub repository as owner/name",
        ),
        (
            'repo = "unholster/mercado.cl"',
            'repo = "unholster/.."',
            "products.mercado.tracker.repo",
            "repo =",
            "is not a GitHub repository as owner/name",
        ),
        (
            'labels = ["soporte", "cliente: acme"]',
            'labels = ["soporte", "a,b"]',
            "products.mercado.tracker.labels[1]",
            "labels =",
            "is not a label",
        ),
        (
            'labels = ["soporte", "cliente: acme"]',
            'labels = "soporte"',
            "products.mercado.tracker.labels",
            "labels =",
            "expected an array, got a string",
        ),
        (
            'kind = "github"\n',
            "",
            "products.mercado.tracker.kind",
            "[products.mercado.tracker]",
            "missing required key",
        ),
        (
            'labels = ["soporte", "cliente: acme"]',
            'label = ["soporte"]',
            "products.mercado.tracker.label",
            "label =",
            "unknown key; did you mean 'labels'? allowed keys: kind, repo, labels",
        ),
    ],
)
def test_bad_tracker(old, new, field, needle, reason):
    text = with_tracker(edit(old, new, TRACKER))
    error = error_for(text)
    assert (error.field, error.line) == (field, line_of(text, needle))
    assert reason in error.reason


def test_tracker_must_be_a_table():
    text = edit(
        'docs_url = "http://docs.unholster.com/mercado"',
        'docs_url = "http://docs.unholster.com/mercado"\ntracker = "github"',
    )
    error = error_for(text)
    assert (error.field, error.line) == ("products.mercado.tracker", line_of(text, "tracker ="))
    assert error.reason == "expected a table, got a string"


# The source locator


def test_field_name():
    assert field_name(("organizations", "acme", "products")) == "organizations.acme.products"
    assert field_name(("people", 2, "email")) == "people[2].email"
    assert field_name(("products", "a b")) == 'products."a b"'


LOCATOR_TEXT = '''\
title = "x"  # line 1
[a]
b = 1
c.d = [
  1,
  [2, 3],
]
note = """
[fake]
e = 2
"""
inline = { f = 1, g = { h = 2 } }

[[items]]
name = "one"
  [[items.parts]]
  id = 1
[[items]]
name = 'two'
  [[items.parts]]
  id = 2
  [[items.parts]]
  id = 3
["quoted key".x]
"y.z" = 4
[later.inner]
k = 1
[later]
j = 2
'''


@pytest.mark.parametrize(
    ("path", "line"),
    [
        (("title",), 1),
        (("a",), 2),
        (("a", "b"), 3),
        (("a", "c"), 4),
        (("a", "c", "d"), 4),
        (("a", "c", "d", 0), 5),
        (("a", "c", "d", 1), 6),
        (("a", "c", "d", 1, 1), 6),
        (("a", "note"), 8),
        (("a", "inline", "g", "h"), 12),
        (("items",), 14),
        (("items", 0), 14),
        (("items", 0, "parts", 0, "id"), 17),
        (("items", 1), 18),
        (("items", 1, "name"), 19),
        (("items", 1, "parts", 1), 22),
        (("items", 1, "parts", 1, "id"), 23),
        (("quoted key", "x"), 24),
        (("quoted key", "x", "y.z"), 25),
        (("later",), 28),
        (("later", "inner", "k"), 27),
        (("later", "j"), 29),
    ],
)
def test_locator_finds_exact_lines(path, line):
    assert SourceMap(LOCATOR_TEXT).exact(path) == line


def test_locator_falls_back_to_the_nearest_ancestor():
    source = SourceMap(LOCATOR_TEXT)
    assert source.line(("items", 1, "missing")) == 18
    assert source.line(("a", "missing", "deeper")) == 2
    assert source.line(("nowhere",)) is None
    assert source.exact(("fake",)) is None
    assert source.exact(("a", "e")) is None


def test_locator_survives_invalid_text_and_crlf():
    assert locate("[a]\r\nb = 1\r\nc = [\r\n  2,\r\n]\r\n", ("a", "c", 0)) == 4
    assert locate("[a]\nb = 1\nc = = =\nd = 2\n", ("a", "b")) == 2
    assert locate('[a]\nb = "unterminated\n', ("a", "b")) == 2
    assert locate("", ("a",)) is None
