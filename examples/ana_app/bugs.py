"""The defects ``credlab example-app ana --bug NAME`` seeds: each one a mistake real password
reset flows have shipped. ``credlab conform`` must find every one of them (tests/examples)."""

from __future__ import annotations

BUGS: dict[str, str] = {
    "reusable_link": "completing a reset does not withdraw the link: it opens the reset form again",
    "expiry_checked_on_open_only": "the link's expiry is checked when it is opened, not when the form is submitted",
    "old_link_survives": "a new reset request does not invalidate the link sent by an earlier one",
    "expiry_inclusive": "the link still works at exactly two hours (expiry compared with <= instead of <)",
    "postcard_keeps_web_password": "a postcard reset leaves the old web password working",
    "pin_works_online": "after a web password is registered, the website still takes the AMC password",
    "case_insensitive": "web passwords are compared without regard to case",
    "truncates_at_16": "longer web passwords are silently cut to 16 characters and accepted",
    "fullwidth_digits": "full-width and other Unicode digits and letters pass as one-byte alphanumerics",
    "enumeration": "a reset request for an unknown member number answers differently from a failed identification",
    "register_skips_pin_check": "registration takes any 4-digit AMC password, not only the member's",
    "pin_change_always_offered": "any member may change the AMC password when registering, not only after a postcard",
}
"""Name → what goes wrong."""
