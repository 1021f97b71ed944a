from tests.company.fixtures import group_server  # noqa: F401
