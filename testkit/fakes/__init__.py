"""Local HTTP fakes of the services the desk talks to. Every behaviour, above all every
refusal, comes from the service's documentation, cited next to it."""
