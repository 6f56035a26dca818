"""Named false-positive filters for secret candidates of the generic assignment detector.

Each filter takes the candidate's key name (may be empty) and value and returns True when
the value is *not* a secret. A rule lists the filters it applies by name (`filters:` in
rules/secrets.yaml); the first one that holds suppresses the candidate, and its name is what
`si paas scan --explain` reports. `PUBLISHED_SAMPLE` applies to every rule.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Callable

from si_paas import secretwords
from si_paas.lazyregex import lazy

Filter = Callable[[str, str], bool]

_IDENT_CHARS = lazy(r"^[A-Za-z_$][A-Za-z0-9_$-]*$")
_WORDS = lazy(r"[A-Z]{2,}s?(?![a-z])|[A-Z]?[a-z]+|[A-Z]|\d+")
_SIMPLE_PIECE = lazy(r"^(?:[a-z]+|[A-Z]+|[A-Z][a-z]+)\d{0,3}$")
_INDEX = lazy(r"\[[^\]]*\]")
_PATH_SEP = lazy(r"\.|::|->|/")
_VERSION_TAIL = lazy(r"(?<=[A-Za-z])[-_.]v?\d+(?:\.\d+)*$")
_CALL_TAIL = lazy(r"(?:\(\)?|\[[^\]]*\]?)$")
_URL = lazy(r"^[A-Za-z][A-Za-z0-9+.-]*://([^/?#\s]*)")
_PATH = lazy(r"^(?:~|\.{1,2}|[A-Za-z]:)?[/\\][\w .@+-]+(?:[/\\][\w .@+-]*)*$")
_RELATIVE_FILE = lazy(r"^[A-Za-z][\w-]*(?:/[\w.-]+)+\.[a-z]{2,4}$")
_UUID = lazy(r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$")
_TOKEN_KEY = lazy(
    r"(?:[a-z0-9]Token|(?i:(?:next|continuation|pagination|page|idempotency"
    r"|client|change|request|sync|resume|marker|cursor|csrf|xsrf)[_.-]?token))"
    r"(?:s|Id)?$"
    r"|(?:^|[a-z0-9_.-])(?:[Kk]ey|KEY|[Ii]d|ID)$"
)
_AUTH_NAME = lazy(r"(?i)auth|access|bearer|refresh|session|secret|api[_.-]?")
_TEMPLATE = lazy(
    r"\$\{|\{\{|\}\}|\{%|%\([A-Za-z_]\w*\)[sdr]|#\{|^\$[A-Za-z_]\w*$"
    r"|^%[A-Za-z_]\w*%$|^@[A-Za-z_]\w*@$|^__[A-Z_]+__$|^\{[\w.]*\}$"
    r"|^<[^<>]*>$|#[A-Za-z_]+#"
)
_PRINTF = lazy(r"%(?:[-+ #0]*\d+(?:\.\d+)?|[-+ #0]*\d*\.\d*)[sdifrxXeEgGcou]")
_NON_SECRET_NAME = lazy(r"(?i)public|publishable|(?<![a-z])pub[_.-]?key|csrf|xsrf")
_NUMBER = lazy(
    r"^[-+]?(?:0x[0-9a-fA-F]+|\d+(?:[.:,]\d+)*(?:[eE][-+]?\d+)?[a-zA-Z]{0,3})$"
    r"|^\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:?\d\d)?)?$"
)

# SHA-256 digests of published sample credentials: the Firebase Android SDK's sample
# google-services.json API keys and similar keys printed in vendors' documentation and
# SDK test suites. Kept as digests so the list itself holds no key-shaped text.
PUBLISHED_SAMPLE_DIGESTS = frozenset(
    {
        # Firebase Android SDK sample google-services.json API keys (AIza...)
        "2037abcaffb2b77785da716cf7ccff4ff4d00c4ea930db0167b7d71f50af7eb4",
        "3f370c9dd8225c63b5c77de1f785edc9712958f18bb612d5fa2e0ae33aeca682",
        "e4a5542bb7fd7b67e943c71ad29c34b5972c9840597e7eda53e666f44d5da0b9",
        "a19f89ab3555eac10c40741f6df79ecf0935998f15569f8db9d67bce0181fff6",
        "0b476bdf9acf2123d547b5ae76f1e59884d8ec9553ee0c47e9f31fd4768f3f3c",
        "eb540d2b6ee2a0a47c5779bc8a0141784c6b753840d4c6f4e2428a6e86e9e0b1",
        "37f8f09bdf12c2f2eae4ead7273a62ddb0c23459cbf902892f282b57f7ed6619",
        "8731261cb72d86267a32a532ebd3df429e2144e5e4ced7e13568bc9e6c8fb1b1",
        "49f777db995e8260da7ca9ffdf0c08d66f0453e97ec967018baf2cdfe3b582d0",
        "27a9a42931dff7eb2f8434e20a9bce976ea364e7bee49187f19d5cfeca9c7045",
        "dc0fcf046c61640cbd1e8b999ada3262d722c2ca4bf42dceac999020ffdbb614",
        "4c98242dcadc8b29005c6b4aad526552d5ea1842149154c0694adeec75847583",
        "ea9bb1082cf95663f5faca23b8b15ef2aa0fce0a5c6df9c32dcb85b2e0a4513d",
        "3a8b61d0f636b007840c0d40ba12bcf48465dc054cdc1a68704a33521d84b665",
        "a6c814bc555ae62c7bd8b58ec07bf559c7ed3a009976a1e0acc9cef0d4473b41",
    }
)


def is_identifier(key: str, value: str) -> bool:
    """A code identifier (snake_case, camelCase, CONSTANT_CASE), not a random string."""
    return _identifier_like(value)


def is_dotted_path(key: str, value: str) -> bool:
    """An attribute or JSON path such as `DistributionList.NextMarker` or `os.environ.get`."""
    parts = _PATH_SEP.split(_INDEX.sub("", _CALL_TAIL.sub("", value)))
    return len(parts) >= 2 and all(_identifier_like(p) or p in ("%s", "%d") for p in parts if p)


def _identifier_like(value: str) -> bool:
    """Reads like a name: pieces between `_` and `-` that are lower-case, upper-case or
    capitalised words (camelCase runs with few one- or two-letter parts), digits only in
    short groups without leading zeros, and no letter-digit interleaving."""
    value = _VERSION_TAIL.sub("", value.lstrip("+-!~*&"))
    if not value or len(value) > 64 or not _IDENT_CHARS.match(value) or _mixed_alnum(value):
        return False
    words = _WORDS.findall(value)
    digits = [w for w in words if w.isdigit()]
    if len(digits) > 2 or any(len(w) > 5 or (len(w) > 1 and w[0] == "0") for w in digits):
        return False
    pieces = [p for p in re.split(r"[_$-]+", value) if p]
    if not pieces or all(p.isdigit() for p in pieces):
        return False
    if len(pieces) > 1 and all(_SIMPLE_PIECE.match(p) for p in pieces):
        return True
    if re.search(r"\d", value) and not re.search(r"[a-z]{2}", value):
        # digits in upper case or beside single letters: `x25519` is a name, `A0AAA103` not
        return bool(re.match(r"^[A-Za-z]{1,3}\d{1,5}$", value))
    letters = [w for w in words if not w.isdigit()]
    if len(letters) == 1:
        return len(letters[0]) <= 24
    short = sum(1 for w in letters if len(w) <= 2)
    return short <= max(1, len(letters) // 4)


def is_url_without_credentials(key: str, value: str) -> bool:
    """A URL with no `user:password@` part, or a file-system path."""
    m = _URL.match(value)
    if m:
        return "@" not in m.group(1)
    if _PATH.match(value):  # every part a word: `/run/secrets/db`, not `/0000123@AB`
        parts = [p for p in re.split(r"[/\\]", value) if p not in ("", "~", ".", "..")]
        return len(parts) >= 2 and all(_wordy(part) for part in parts)
    # a relative file path whose every folder and name holds a word (`my-app/v2-stage.war`)
    return bool(_RELATIVE_FILE.match(value)) and all(
        re.search(r"[a-z]{2}", part) for part in value.rsplit(".", 1)[0].split("/")
    )


def _wordy(part: str) -> bool:
    """A path part that reads as words: a lower-case pair, and letters half of it or more."""
    letters = sum(c.isalpha() for c in part)
    return bool(re.search(r"[a-z]{2}", part)) and letters * 2 >= len(part)


def is_uuid_under_token_key(key: str, value: str) -> bool:
    """A UUID under a `*Token` key (idempotency and pagination tokens in API examples) or
    under a `*Key` or `*Id` name (resource and key ids)."""
    return bool(_UUID.match(value)) and bool(_TOKEN_KEY.search(key)) and not _AUTH_NAME.search(key)


def is_template(key: str, value: str) -> bool:
    """A reference filled in later: `${VAR}`, `{{ var }}`, `%(name)s`, `$VAR`, `<value>`."""
    if _TEMPLATE.search(value):
        return True
    # a printf format only in a name-like string (`VS%0.f0COMNTOOLS`), not in random text
    rest = _PRINTF.sub("", value)
    return bool(_PRINTF.search(value)) and bool(re.match(r"^[A-Za-z_]+\d{0,3}[A-Za-z_]*$", rest))


def is_placeholder(key: str, value: str) -> bool:
    """A placeholder (`secretwords.is_placeholder`): `xxxx`, `changeme`, `your-key`, ..."""
    return secretwords.is_placeholder(value)


def is_non_secret_name(key: str, value: str) -> bool:
    """The key names a value meant to be public (publishable keys, public tokens) or an
    anti-forgery token that is sent with every page."""
    return bool(_NON_SECRET_NAME.search(key))


def is_number(key: str, value: str) -> bool:
    """A number, version, size, date or timestamp, not a secret."""
    return bool(_NUMBER.match(value))


def shannon_entropy(text: str) -> float:
    """Shannon entropy of `text` in bits per character (0.0 for the empty string)."""
    if not text:
        return 0.0
    size = len(text)
    return -sum(n / size * math.log2(n / size) for n in Counter(text).values())


def is_low_entropy(key: str, value: str) -> bool:
    """Too few distinct characters for a generated secret of that length."""
    floor = 3.0 if len(value) >= 16 else 2.6
    return shannon_entropy(value) < floor


def is_sequential(key: str, value: str) -> bool:
    """One counting run (`abcdefgh`, `123456789`) over 80% of it, or a short unit repeated."""
    if len(value) < 6:
        return False
    if max(_runs(value), default=0) * 5 >= len(value) * 4:
        return True
    for unit in range(1, min(8, len(value) // 3) + 1):
        if value == (value[:unit] * (len(value) // unit + 1))[: len(value)]:
            return True
    return False


def is_counting_runs(key: str, value: str) -> bool:
    """Half or more of it in counting runs of three or more (`abc123xyz-456def789...`): the
    shape of hand-made fakes of a token format, never of a generated token."""
    return len(value) >= 6 and sum(r for r in _runs(value) if r >= 3) * 2 >= len(value)


def _runs(value: str) -> list[int]:
    """Lengths of the maximal runs where each character is the previous one plus one."""
    runs, run = [], 1
    for a, b in zip(value, value[1:], strict=False):
        if ord(b) - ord(a) == 1:
            run += 1
        else:
            runs.append(run)
            run = 1
    runs.append(run)
    return runs


def is_published_sample(key: str, value: str) -> bool:
    """A credential published as a sample in vendor documentation or SDKs (by digest)."""
    return hashlib.sha256(value.encode()).hexdigest() in PUBLISHED_SAMPLE_DIGESTS


def _mixed_alnum(value: str) -> bool:
    """Letters and digits interleaved three times or more, and more than once in five
    characters (`a1b2c3`, `Rq7VmP2x`), as in generated strings, not in names like
    `x25519`, `win32api` or `MLKEM768X25519`."""
    turns = len(re.findall(r"[A-Za-z]\d|\d[A-Za-z]", value))
    return turns >= 3 and turns * 5 > len(value)


FILTERS: dict[str, Filter] = {
    "placeholder": is_placeholder,
    "template": is_template,
    "published-sample": is_published_sample,
    "non-secret-name": is_non_secret_name,
    "url-without-credentials": is_url_without_credentials,
    "uuid-under-token-key": is_uuid_under_token_key,
    "dotted-path": is_dotted_path,
    "identifier": is_identifier,
    "number": is_number,
    "sequential": is_sequential,
    "counting-runs": is_counting_runs,
    "low-entropy": is_low_entropy,
}


def first_suppressing(names: tuple[str, ...], key: str, value: str) -> str | None:
    """The name of the first filter in `names` that holds for the candidate, else None."""
    for name in names:
        if FILTERS[name](key, value):
            return name
    return None
