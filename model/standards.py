"""Standards' password requirements, as profiles a policy is audited against.

Each requirement quotes its source and says what it asks of the *strings* a policy accepts, in
one of a few checks the policy algebra decides exactly (:mod:`credlab.model.audit`), or that it is
about the lifecycle (rate limiting, judged by the ``unlimited_guessing`` finding). What no policy
can show (hints, rotation, storage, password managers) is listed apart, never as passed.

Quotes: ASVS 5.0.0 from OWASP's own repository (``5.0/en/0x15-V6-Authentication.md``); NIST SP
800-63B-4 (final, 2025) §3.1.1.2 and §3.2.2 from a verbatim reproduction of the NIST HTML edition,
to be checked against https://pages.nist.gov/800-63-4/sp800-63b.html before a review cites them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

NIST_URL = "https://pages.nist.gov/800-63-4/sp800-63b.html"
ASVS_URL = "https://github.com/OWASP/ASVS/blob/master/5.0/en/0x15-V6-Authentication.md"

COMMON_PASSWORDS = (
    "123456",
    "password",
    "12345678",
    "qwerty",
    "123456789",
    "12345",
    "1234",
    "111111",
    "1234567",
    "dragon",
    "123123",
    "baseball",
    "abc123",
    "football",
    "monkey",
    "letmein",
    "shadow",
    "master",
    "qwertyuiop",
    "1qaz2wsx",
    "password1",
    "iloveyou",
    "trustno1",
    "sunshine",
    "princess",
    "Passw0rd",
    "qwerty123",
    "admin123",
    "welcome1",
    "1q2w3e4r",
    "Password1",
    "zaq12wsx",
    "abcd1234",
    "qwer1234",
    "aa123456",
    "password123",
    "1qaz2wsx3edc",
    "Password123",
    "Welcome123",
    "P@ssw0rd",
)
"""A sample of passwords that appear at the top of published common-password lists. A blocklist
requirement passes when the policy has a list of refused values; when it has none, the first
sample password it accepts is the witness."""

Check = Literal[
    "min_length",
    "permits_length",
    "no_composition",
    "accepts_printing_ascii",
    "accepts_space",
    "accepts_unicode",
    "blocklist",
    "context_words",
    "rate_limit",
]


@dataclass(frozen=True, slots=True)
class Requirement:
    id: str
    strength: str
    """SHALL, SHOULD, SHALL NOT (NIST) or the ASVS level it starts at (L1, L2)."""
    text: str
    """What it asks, in a line."""
    quote: str
    source: str
    check: Check
    value: int = 0
    """The length for length checks, the most failures for ``rate_limit``."""
    multi_factor_value: int | None = None
    """For ``min_length``: the length when the password is only one of two factors."""


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    title: str
    requirements: tuple[Requirement, ...]
    not_audited: tuple[tuple[str, str], ...]
    """(requirement, why a policy cannot show it)."""


_NIST = "NIST SP 800-63B-4 §3.1.1.2, " + NIST_URL + "#passwordver"
_NIST_RATE = "NIST SP 800-63B-4 §3.2.2, " + NIST_URL + "#throttle"
_ASVS = "OWASP ASVS 5.0.0 V6.2, " + ASVS_URL

NIST_800_63B_4 = Profile(
    "nist-800-63b-4",
    "NIST SP 800-63B-4 (2025): password verifiers",
    (
        Requirement(
            "nist.length",
            "SHALL",
            "at least 15 characters when the password is the only factor; at least 8 with another factor",
            "Verifiers and CSPs SHALL require passwords that are used as a single-factor authentication mechanism "
            "to be a minimum of 15 characters in length. Verifiers and CSPs MAY allow passwords that are only used as "
            "part of multi-factor authentication processes to be shorter but SHALL require them to be a minimum of "
            "eight characters in length.",
            _NIST,
            "min_length",
            15,
            8,
        ),
        Requirement(
            "nist.max_length_64",
            "SHOULD",
            "a maximum length of at least 64 characters",
            "Verifiers and CSPs SHOULD permit a maximum password length of at least 64 characters.",
            _NIST,
            "permits_length",
            64,
        ),
        Requirement(
            "nist.no_composition_rules",
            "SHALL NOT",
            "no composition rules (no required mixture of character types)",
            "Verifiers and CSPs SHALL NOT impose other composition rules (e.g., requiring mixtures of different "
            "character types) for passwords.",
            _NIST,
            "no_composition",
        ),
        Requirement(
            "nist.printing_ascii",
            "SHOULD",
            "every printing ASCII character accepted",
            "Verifiers and CSPs SHOULD accept all printing ASCII [RFC20] characters and the space character in "
            "passwords.",
            _NIST,
            "accepts_printing_ascii",
        ),
        Requirement(
            "nist.space",
            "SHOULD",
            "the space character accepted",
            "Verifiers and CSPs SHOULD accept all printing ASCII [RFC20] characters and the space character in "
            "passwords.",
            _NIST,
            "accepts_space",
        ),
        Requirement(
            "nist.unicode",
            "SHOULD",
            "Unicode characters accepted",
            "Verifiers and CSPs SHOULD accept Unicode [ISO/ISC 10646] characters in passwords.",
            _NIST,
            "accepts_unicode",
        ),
        Requirement(
            "nist.blocklist",
            "SHALL",
            "compared with a blocklist of commonly used, expected or compromised passwords",
            "When processing a request to establish or change a password, verifiers SHALL compare the prospective "
            "secret against a blocklist that contains known commonly used, expected, or compromised passwords.",
            _NIST,
            "blocklist",
        ),
        Requirement(
            "nist.rate_limit",
            "SHALL",
            "no more than 100 consecutive failed attempts",
            "Unless otherwise specified in the description of a given authenticator, the verifier SHALL limit "
            "consecutive failed authentication attempts using a specific authenticator on a single subscriber "
            "account to no more than 100 by disabling that authenticator.",
            _NIST_RATE,
            "rate_limit",
            100,
        ),
    ),
    (
        ("nist.unicode_normalization (SHOULD, NFC before hashing)", "how the verifier stores it, not which strings"),
        ("nist.no_truncation (SHALL verify the entire password)", "how the verifier compares, not which strings"),
        ("nist.no_periodic_change (SHALL NOT)", "the lifecycle has no password expiry to judge"),
        ("nist.no_hints, nist.no_kba_prompts (SHALL NOT)", "the user interface, outside a policy"),
        ("nist.password_managers_paste (SHALL, SHOULD)", "the user interface, outside a policy"),
        ("nist.storage_hashing (SHALL)", "how passwords are stored"),
    ),
)


def _asvs(level: int) -> Profile:
    def at(n: int) -> bool:
        return n <= level

    requirements = [
        Requirement(
            "asvs.6.2.1",
            "L1",
            "at least 8 characters (15 strongly recommended)",
            "Verify that user set passwords are at least 8 characters in length although a minimum of 15 characters "
            "is strongly recommended.",
            _ASVS,
            "min_length",
            8,
        ),
        Requirement(
            "asvs.6.2.4",
            "L1",
            "checked against at least the top 3000 passwords",
            "Verify that passwords submitted during account registration or password change are checked against an "
            "available set of, at least, the top 3000 passwords which match the application's password policy, e.g. "
            "minimum length.",
            _ASVS,
            "blocklist",
        ),
        Requirement(
            "asvs.6.2.5",
            "L1",
            "passwords of any composition",
            "Verify that passwords of any composition can be used, without rules limiting the type of characters "
            "permitted. There must be no requirement for a minimum number of upper or lower case characters, numbers, "
            "or special characters.",
            _ASVS,
            "no_composition",
        ),
        Requirement(
            "asvs.6.3.1",
            "L1",
            "controls against password brute force (credlab asks for any limit on failures)",
            "Verify that controls to prevent attacks such as credential stuffing and password brute force are "
            "implemented according to the application's security documentation.",
            "OWASP ASVS 5.0.0 V6.3, " + ASVS_URL,
            "rate_limit",
        ),
    ]
    if at(2):
        requirements += [
            Requirement(
                "asvs.6.2.9",
                "L2",
                "passwords of at least 64 characters permitted",
                "Verify that passwords of at least 64 characters are permitted.",
                _ASVS,
                "permits_length",
                64,
            ),
            Requirement(
                "asvs.6.2.11",
                "L2",
                "context-specific words refused",
                "Verify that the documented list of context specific words is used to prevent easy to guess "
                "passwords being created.",
                _ASVS,
                "context_words",
            ),
            Requirement(
                "asvs.6.2.12",
                "L2",
                "checked against breached passwords",
                "Verify that passwords submitted during account registration or password changes are checked "
                "against a set of breached passwords.",
                _ASVS,
                "blocklist",
            ),
        ]
    not_audited = [
        ("asvs.6.2.2, 6.2.3 (change, with the current password)", "the lifecycle's transitions, not a policy"),
        ("asvs.6.2.6, 6.2.7 (masking, paste, password managers)", "the user interface, outside a policy"),
        ("asvs.6.2.8 (verified exactly as received)", "how the verifier compares, not which strings"),
    ]
    if at(2):
        not_audited.append(("asvs.6.2.10 (no periodic rotation)", "the lifecycle has no password expiry to judge"))
    if at(3):
        not_audited.append(("V6.2 at L3", "no password requirement starts at L3; L3 audits as L2"))
    return Profile(
        f"asvs-5-l{level}", f"OWASP ASVS 5.0.0 V6 (passwords), level {level}", tuple(requirements), tuple(not_audited)
    )


PROFILES = {p.name: p for p in (NIST_800_63B_4, _asvs(1), _asvs(2), _asvs(3))}
