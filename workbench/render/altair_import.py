"""Altair, imported without the IRI grammar that jsonschema would build at import.

jsonschema (under Altair) imports ``rfc3987_syntax`` when it is installed (Jupyter installs it),
and that module builds an Earley grammar for IRIs at import. Under CPython 3.11 the build can
thrash the interpreter's frame-stack chunks (an mmap and a munmap per call, 765,000 of each)
when the import happens deep in an import chain, as in a dashboard's first cell: 8.5 s to import
a dashboard's widgets, against 1.9 s without it. Nothing here validates the "iri" formats it
serves, and jsonschema skips those checks when the module cannot be imported, which a ``None``
entry in ``sys.modules`` makes so (a process that imported it already keeps it). Import Altair
from here, before anything else imports jsonschema.
"""

import sys

sys.modules.setdefault("rfc3987_syntax", None)

import altair  # noqa: E402 - after the guard above

__all__ = ["altair"]
