"""Another OS process running the mirror's sync on the same database (the tests kill it mid-way,
or race it): `python -m tests.mirror.sync_worker CONFIG_JSON WORKSPACE TENANT`. Prints the
outcome as its last line."""

import json
import sys

from widget import create_app
from widget.mirror.sync import sync_organisation


def main() -> None:
    config, workspace_id, tenant_id = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
    app = create_app(config)
    with app.app_context():
        print(sync_organisation(workspace_id, tenant_id, owner="other-process").outcome)
    app.extensions["db_engine"].dispose()


if __name__ == "__main__":
    main()
