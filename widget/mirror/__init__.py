"""The organisation mirror: Xero -> sync -> a per-(workspace, organisation) copy in our database
-> panels. The only code that turns Xero's answers into stored rows.

- `models`: the tables; `rows`: documents to rows (a monotonic upsert);
- `sync`: first and incremental sync under a fenced `lease`; `resources`: what is read and how;
- `service`: what panels call (status, ensure_fresh, refresh_now, note_created, merge notices);
- `webhooks` + `fetch`: Xero's events, verified, de-duplicated, fetched by id after answering;
- `jobs`: the background jobs (run by widget.jobs); `views`: webhook route, admin progress.

Connecting an organisation starts its first sync (widget.connection.lifecycle.connect).
"""

from flask import Flask


def init_app(app: Flask) -> None:
    from widget.mirror import service
    from widget.mirror.views import bp

    service.watch(app)

    app.register_blueprint(bp)
