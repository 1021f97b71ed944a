"""Driving the demo CRM page and the panel inside it, the way a person would."""

from playwright.sync_api import Frame, Page, expect

from tests.browser.chromium import screenshot

ADMIN = "crm-admin"


def open_panel(page: Page, crm_url: str, path: str = "", user: str = ADMIN) -> Frame:
    """Open a demo CRM page as `user` and return the widget's iframe once it has loaded."""
    page.goto(f"{crm_url}{path}?user={user}")
    frame = page.frame(name="widget-panel")
    assert frame is not None, "the demo CRM page has no widget iframe"
    frame.wait_for_load_state()
    return frame


def connect_xero(page: Page, frame: Frame, organisations: list[str], shots: str) -> Page:
    """Click "Connect to Xero" and allow `organisations` in the sandbox's consent popup; the popup
    then closes by itself. With several, pick the last one in the panel's organisation picker
    (the admin page completes the connection, not the popup). Returns the popup."""
    popup = open_consent(page, frame, organisations, shots)
    with popup.expect_event("close"):
        popup.get_by_role("button", name="Allow access").click()
    if len(organisations) > 1:
        expect(frame.get_by_role("heading", name="Choose the Xero organisation")).to_be_visible()
        screenshot(page, f"{shots}-organisation-picker")
        frame.get_by_label(organisations[-1]).check()
        frame.get_by_role("button", name="Connect this organisation").click()
    return popup


def open_consent(page: Page, frame: Frame, organisations: list[str], shots: str) -> Page:
    """Click "Connect to Xero": the popup passes our begin page and shows Xero's consent, where
    `organisations` are ticked. Returns the popup, at the consent page."""
    button = frame.get_by_role("button", name="Connect to Xero")
    expect(button).to_be_visible()
    frame.wait_for_function("() => Boolean(window.xeroConnect)")  # connect.js listens for it
    with page.context.expect_page() as opened:
        button.click()
    popup = opened.value
    popup.wait_for_url("**/identity/connect/authorize?**")
    for checkbox in popup.get_by_role("checkbox").all():
        label = checkbox.locator("xpath=..").inner_text()
        checkbox.set_checked(any(name in label for name in organisations))
    screenshot(popup, f"{shots}-consent-popup")
    return popup


def set_access(frame: Frame, member_name: str, level_label: str) -> None:
    """Change a member's access in the admin panel's access list (saved by htmx at once)."""
    frame.get_by_label(f"Access for {member_name}").select_option(label=level_label)
    expect(frame.get_by_role("status").filter(has_text=f"Saved: {member_name}")).to_be_visible()
