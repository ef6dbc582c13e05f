"""The HTTP binding language's definition: what a binding file may hold (see
:mod:`credlab.simulator.conform.binding` for what it means and how it is checked)."""

from __future__ import annotations

from credlab.model.scalars import AnyScalar, Choice, Int, Name, Text
from credlab.model.schema import Either, Field, ListOf, MapOf, Record

TEXT = AnyScalar(doc="A template: {name} is replaced.")
CHOOSE = Record(
    "choice",
    {
        "if": Field(Name(), required=True, doc="A yes/no input of the event."),
        "then": Field(TEXT, required=True),
        "else": Field(TEXT, doc="Absent: leave the field out."),
    },
)
VALUE = Either(TEXT, CHOOSE)
REQUEST = Record(
    "request",
    {
        "method": Field(Choice(("GET", "POST", "PUT", "PATCH", "DELETE")), required=True),
        "path": Field(TEXT, required=True, doc="A path under the target URL, or a URL read from a message."),
        "form": Field(MapOf(VALUE, what="field"), doc="Form fields (application/x-www-form-urlencoded)."),
        "json": Field(MapOf(VALUE, what="field"), doc="A JSON object body."),
    },
)
ACCEPTED = Record(
    "acceptance",
    {
        "status": Field(ListOf(Int()), doc="The statuses that mean accepted."),
        "json": Field(Name(), doc="A JSON field of the answer that is true when accepted."),
    },
)
CALL = Record("call", {"request": Field(REQUEST, required=True), "accepted": Field(ACCEPTED)})
BROWSER = Record(
    "browser",
    {
        "pages": Field(MapOf(Text(), what="state"), doc="The page a story's browser opens in each starting state."),
        "refused_when": Field(Text(), required=True, doc="A CSS selector found on the page after a refused form."),
        "events": Field(
            MapOf(
                Record(
                    "browser event",
                    {
                        "open": Field(TEXT, doc="A page to open first (absent: the form is on the page at hand)."),
                        "fill": Field(MapOf(VALUE, what="field"), doc="The form's fields, by name."),
                        "submit": Field(Name(), required=True, doc="The name of the form to submit."),
                    },
                ),
                what="event",
            ),
            required=True,
        ),
    },
    doc="Events a person does in a browser: driven through the HTML forms in headless Chromium (--browser).",
)
BINDING = Record(
    "binding",
    {
        "credlab_binding": Field(Int(), required=True),
        "spec": Field(Name(), required=True),
        "mail": Field(Record("mail", {"smtp": Field(Text(), required=True)})),
        "start": Field(
            Record(
                "start",
                {
                    "request": Field(REQUEST, required=True),
                    "read": Field(MapOf(Name(), what="name")),
                    "mailbox": Field(TEXT),
                    "states": Field(ListOf(Name()), doc="The states the system can start a member in (default: all)."),
                },
            ),
            required=True,
        ),
        "clock": Field(CALL),
        "state": Field(Record("projection", {"request": Field(REQUEST, required=True), "read": Field(Name())})),
        "access": Field(CALL),
        "messages": Field(
            MapOf(
                Record(
                    "message",
                    {
                        "email": Field(Record("email", {"subject": Field(Text(), required=True)})),
                        "read": Field(MapOf(Text(), what="name"), doc="Regular expressions over the email's text."),
                        "outbox": Field(
                            Record("outbox", {"request": Field(REQUEST, required=True), "items": Field(Name())})
                        ),
                        "carries": Field(Name(), doc="The field of an outbox item that holds the carried secret."),
                        "probe": Field(
                            CALL,
                            doc="How to try a message's link again ({earlier.NAME}) from a fresh browser: the "
                            "earlier one once a new one arrives, the latest once valid_while stops; "
                            "both must be refused.",
                        ),
                        "valid_while": Field(Name(), doc="The spec's deadline the message's link lives by."),
                    },
                ),
                what="message",
            )
        ),
        "events": Field(
            MapOf(
                Record(
                    "event",
                    {
                        "request": Field(REQUEST, required=True),
                        "accepted": Field(ACCEPTED),
                        "same_refusal_for": Field(
                            Record(
                                "same refusal",
                                {"set": Field(Text(), required=True), "to": Field(TEXT, required=True)},
                            ),
                            doc="When refused, the same request with {set} replaced by 'to' must get the same answer.",
                        ),
                    },
                ),
                what="event",
            )
        ),
        "not_the_systems": Field(ListOf(Name()), doc="Events the system never sees (the post delivering)."),
        "browser": Field(BROWSER),
    },
)
