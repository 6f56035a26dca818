"""What counts as a secret-like key name and as a placeholder value: one definition for all.

The scanner's generic rules (`{{secret_key}}` in rules/secrets.yaml is `SECRET_KEY`), the
check on target and app labels, the bundle and backup checks and the audit line's scrubbing
all ask these two functions, so a key the scanner flags is refused in a label and a key it
ignores is accepted.

A key is secret-like when its name holds SECRET, TOKEN, PASSWORD, PASSWD, PASSPHRASE,
CREDENTIAL, PWD, API_KEY, ACCESS_KEY, PRIVATE_KEY, AUTH_KEY or a SIGNING / ENCRYPTION /
MASTER / HMAC / JWT key, in any case and with `_`, `-`, `.` or no separator (`apiKey`,
`db.password`, `DB_PWD`), and PASS as a word after a separator or in camelCase (`DB_PASS`,
`dbPass`; a bare `pass` is too often a pass/fail status); but not when the name ends in a
word that names metadata about the secret (`…_NAME`, `…_FILE`, `…_ID`, `…_TTL`,
`…_MIN_LENGTH`, ...). The rule was tuned on real code: `TOKEN_TTL` and
`PASSWORD_MIN_LENGTH` are not secrets, `DB_PWD` and `SECRET_KEY_BASE` are.
"""

from __future__ import annotations

from si_paas.lazyregex import lazy

_METADATA_ENDINGS = (
    "name",
    "names",
    "file",
    "path",
    "dir",
    "url",
    "uri",
    "endpoint",
    "ref",
    "type",
    "len",
    "length",
    "size",
    "ttl",
    "expiry",
    "expires",
    "expiration",
    "lifetime",
    "seconds",
    "timeout",
    "header",
    "policy",
    "count",
    "enabled",
    "version",
    "format",
    "field",
    "mode",
    "prefix",
    "suffix",
    "id",
    "ids",
    "env",
    "var",
    "arn",
    "hash",
    "sha1",
    "sha256",
    "md5",
    "digest",
    "checksum",
    "fingerprint",
    "min",
    "max",
    "limit",
    "algorithm",
    "algo",
    "provider",
    "source",
    "location",
    "template",
    "pattern",
    "regex",
    "validators",
    "hashers",
    "storage",
    "cache",
    "store",
    "rotation",
    "key_id",
    "keyid",
)

# A regex fragment matching a whole secret-like key name (no anchors: rules embed it).
SECRET_KEY = (
    r"(?i:[a-z0-9_.-]*?(?:secret|token|passw(?:or)?d|passphrase|credential|api[_.-]?key"
    r"|access[_.-]?key|private[_.-]?key|auth[_.-]?key|(?:signing|encryption|master|hmac|jwt)"
    r"[_.-]?key|(?<![a-z])pwd(?![a-z])|(?<=[_.-])pass(?![a-z])|(?-i:(?<=[a-z0-9])Pass(?![a-z])))"
    r"[a-z0-9_.-]*?" + "".join(f"(?<!{word})" for word in _METADATA_ENDINGS) + ")"
)
_SECRET_KEY_RE = lazy(SECRET_KEY)

_PLACEHOLDER_WORDS = frozenset(
    {
        "",
        "~",
        "null",
        "none",
        "nil",
        "undefined",
        "n/a",
        "na",
        "tbd",
        "todo",
        "fixme",
        "true",
        "false",
        "yes",
        "no",
        "changeit",
        "removed",
        "hidden",
        "test",
        "mock",
        "default",
    }
)
# Not placeholders: `secret`, `password`, `token` and the like. As a connection string's
# password they are a real (weak) credential that the server accepts.
_PLACEHOLDER_RE = lazy(
    "|".join(
        (
            r"^(.)\1*$",  # one repeated character
            r"(?i:x{4,})|\*{3,}|#{3,}|\.{3}|…",  # xxxx, ***, ###, ...
            r"(?i:change[_-]?me|changeit|replace[_-]?me|insert[_-]?(?:your|the)|your[_-])",
            r"(?i:example|dummy|placeholder|redacted|fake|sample|not[_-]?(?:a[_-]?)?(?:real|set))",
            r"^<[^<>]*>?$",  # <redacted>, <your-token>
            r"\$\{|\$\(|\{\{|\{%|\}\}",  # ${VAR}, $(command), {{ template }}
            r"^\$[A-Za-z_][A-Za-z0-9_]*(?:$|[/:.])",  # $VAR, $HOME/...
            r"^%[A-Za-z_][A-Za-z0-9_]*%$",  # %VAR%
            r"^ENC[\[(]",  # sops, jasypt
            r"^(?i:vault|ref\+[a-z]+|op|sm|ssm|secretsmanager|awskms|gcpkms|azurekv)://",
            r"^!(?:vault|ref|sub)\b",  # YAML tags of references
        )
    )
)


def is_secret_key(name: str) -> bool:
    """True if a key name looks like it holds a secret (see the module docstring)."""
    return _SECRET_KEY_RE.fullmatch(name) is not None


def is_placeholder(value: str | None) -> bool:
    """True if a value is a reference or placeholder, never a secret.

    `${VAR}`, `$VAR`, `$(cmd)`, `%VAR%`, `ENC[...]`, `{{ template }}`, `<redacted>`, empty,
    `null`, `~`, `changeme`, `your-...`, `...example...`, `dummy`, `sample`, `xxxx`, `***`,
    one repeated character, `vault://...` and the like; quotes and spaces around it do not
    count.
    """
    if value is None:
        return True
    text = value.strip().strip("\"'").strip()
    return text.lower() in _PLACEHOLDER_WORDS or _PLACEHOLDER_RE.search(text) is not None
