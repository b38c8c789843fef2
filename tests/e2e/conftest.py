"""The e2e scenarios can run over both transports: a module that defines
`desk` as `desk_over_both` runs each test over signed HTTP and over Socket Mode."""

from tests.socket_desk import desk_over_both  # noqa: F401
