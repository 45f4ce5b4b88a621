"""`liftwatch dispatch-link` against the test database."""

import pytest

from portal.cli import main
from tests.portal.test_cli_contacts import env  # noqa: F401 (fixture)


def link(capsys, *args):
    main(["dispatch-link", *args])
    return capsys.readouterr().out.strip()


def test_it_prints_a_dispatch_link_and_a_new_one_on_revoke(env, capsys):  # noqa: F811
    first = link(capsys, "F01")
    assert first == link(capsys, "F01") and "/dispatch/F01?v=0&sig=" in first
    assert "/dispatch/F01?v=1&sig=" in link(capsys, "F01", "--revoke")
    with pytest.raises(SystemExit):
        main(["dispatch-link", "F99"])
