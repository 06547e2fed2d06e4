"""The console findings of the December 2026 security review, each attack replayed against a real console.

Tests are named after the finding they close (docs/security.md lists them):
the request the reviewer sent is sent again, and now fails as it should.
"""

from __future__ import annotations

import requests

from tests.console.conftest import Console, new_ticket


def test_l5_a_ticket_id_beyond_the_database_integer_is_a_404_not_a_500(
    console: Console, counselor: requests.Session
) -> None:
    new_ticket(console)

    for path in ("/tickets/99999999999999999999", "/tickets/9223372036854775808", "/tickets/2147483648"):
        assert console.get(counselor, path).status_code == 404, path
    lines = console.get(counselor, "/tickets/9223372036854775808/lines")
    assert lines.status_code == 404 and lines.json() == {"error": 404}
    for path in ("/tickets/0", "/tickets/-1", "/tickets/١", "/tickets/1e3"):
        assert console.get(counselor, path).status_code == 404, path
    admin = console.login("suzuki")
    assert console.get(admin, "/admin/audit?ticket=99999999999999999999").status_code == 200
