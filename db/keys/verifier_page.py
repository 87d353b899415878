"""Headquarters' static verification page: one self-contained ``index.html``.

The page (assets/verifier/) reads the signed payload after the last '#' of its address,
verifies the Ed25519 signature in the browser with the vendored @noble/ed25519 and
@noble/hashes, checks the certificate against the trust list embedded in the page (contest
keys, certificates on record, revocations, withdrawn keys) and shows the verdict in
``id="verdict"`` (``data-state``: genuine, invalid, revoked, unknown-key, not-issued). It makes
no outside request: the ES modules are inlined by :func:`bundle`, the Content-Security-Policy
is ``default-src 'none'``.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

from db.keys.trust import TrustList, fingerprint

ASSETS = Path(str(resources.files("assets"))) / "verifier"
# in dependency order: (module name as imported, file)
MODULES = (
    ("./utils.js", "noble-hashes/utils.js"),
    ("./_u64.js", "noble-hashes/_u64.js"),
    ("./_md.js", "noble-hashes/_md.js"),
    ("./sha2.js", "noble-hashes/sha2.js"),
    ("@noble/ed25519", "noble-ed25519/index.js"),
)
_IMPORT = re.compile(r'^import\s+(\{[^}]*\}|\*\s+as\s+\w+)\s+from\s+["\']([^"\']+)["\'];?\s*$',
                     re.M)
_EXPORT_LIST = re.compile(r"^export\s*\{([^}]*)\};?\s*$", re.M)
_EXPORT_DECL = re.compile(r"^export\s+((?:async\s+)?function\*?|const|let|class)\s+(\w+)", re.M)
MAX_BYTES = 1_000_000


def _module(name: str, source: str) -> str:
    """One ES module as a function scope returning its exports (enough for these files)."""
    exports: dict[str, str] = {}

    def imp(m: re.Match[str]) -> str:
        what, src = m.group(1), m.group(2)
        if what.startswith("*"):
            return f"const {what.split()[-1]} = __m[{json.dumps(src)}];"
        parts = []
        for item in what.strip("{} \n").split(","):
            item = item.strip()
            if not item:
                continue
            a, _, b = item.partition(" as ")
            parts.append(f"{a.strip()}: {b.strip()}" if b else a.strip())
        return f"const {{ {', '.join(parts)} }} = __m[{json.dumps(src)}];"

    def exp_list(m: re.Match[str]) -> str:
        for item in m.group(1).split(","):
            item = item.strip()
            if item:
                a, _, b = item.partition(" as ")
                exports[(b or a).strip()] = a.strip()
        return ""

    def exp_decl(m: re.Match[str]) -> str:
        exports[m.group(2)] = m.group(2)
        return f"{m.group(1)} {m.group(2)}"

    body = _IMPORT.sub(imp, source)
    body = _EXPORT_LIST.sub(exp_list, body)
    body = _EXPORT_DECL.sub(exp_decl, body)
    if re.search(r"^\s*export\s", body, re.M):
        raise ValueError(f"{name}: an export form the bundler does not know")
    names = ", ".join(f"{k}: {v}" for k, v in sorted(exports.items()))
    return f"__m[{json.dumps(name)}] = (() => {{\n{body}\nreturn {{ {names} }};\n}})();\n"


def bundle() -> str:
    """The vendored libraries as one classic script defining ``noble`` (ed, sha256, sha512)."""
    parts = ["const noble = (() => {\n\"use strict\";\nconst __m = {};\n"]
    for name, file in MODULES:
        parts.append(_module(name, (ASSETS / file).read_text(encoding="utf-8")))
    parts.append('const ed = __m["@noble/ed25519"];\n'
                 'ed.hashes.sha512 = __m["./sha2.js"].sha512;\n'
                 'return { ed, sha256: __m["./sha2.js"].sha256, '
                 'sha512: __m["./sha2.js"].sha512 };\n})();\n')
    return "".join(parts)


def _version(folder: str) -> str:
    data = json.loads((ASSETS / folder / "package.json").read_text(encoding="utf-8"))
    return str(data["version"])


def page(tl: TrustList) -> str:
    """The page's HTML with the trust list ``tl`` (already checked) embedded."""
    document = dict(tl.document)
    trust_json = json.dumps(document, ensure_ascii=False, sort_keys=True,
                            separators=(",", ":"))
    trust_json = trust_json.replace("<", "\\u003c").replace(">", "\\u003e")
    html = (ASSETS / "page.html").read_text(encoding="utf-8")
    records = sum(len(e.records) for e in tl.keys.values())
    fills = {
        "__VERIFY_URL__": _escape(tl.verify_url or "—"),
        "__HQ_FINGERPRINT__": _escape(fingerprint(tl.hq_public)),
        "__KEYS__": str(len(tl.keys)),
        "__RECORDS__": str(records),
        "__ED_VERSION__": _version("noble-ed25519"),
        "__HASHES_VERSION__": _version("noble-hashes"),
        "__TRUST_JSON__": trust_json,
        "__NOBLE_BUNDLE__": bundle(),
        "__VERIFIER_JS__": (ASSETS / "verifier.js").read_text(encoding="utf-8"),
    }
    for key, value in fills.items():
        html = html.replace(key, value)
    return html


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def write_page(tl: TrustList, out_dir: str | Path) -> Path:
    """Write ``out_dir/index.html``; returns its path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    target = out / "index.html"
    data = page(tl).encode("utf-8")
    tmp = target.with_name(target.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(target)
    return target
